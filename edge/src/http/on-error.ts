/**
 * The one place where errors become HTTP responses: every failure leaves the edge as
 * `{error:{code,message,requestId}}` with the status its code maps to.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ApiError, errorBody } from "../../../shared/errors/api-error.ts";
import type { ErrorCode } from "../../../shared/errors/error-codes.ts";
import { isDatabaseUnavailable } from "../db/db-errors.ts";
import type { AppEnv } from "../env.ts";
import { htmlErrorResponse, wantsHtmlError } from "../pages/error-response.tsx";
import { describeForLog } from "./log-error.ts";
import { edgeLogger } from "./logger.ts";

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    // Hono's JSON validator reports unparsable bodies this way.
    if (err.status === 400 && /malformed json/i.test(err.message)) {
      return new ApiError("invalid_json", "the request body is not valid JSON");
    }
    return new ApiError(codeForHttpStatus(err.status), err.message || "request failed");
  }
  if (isDatabaseUnavailable(err)) {
    return new ApiError("service_unavailable", "the database is unavailable; retry shortly", {
      cause: err,
      headers: { "retry-after": "2" },
    });
  }
  return new ApiError("internal", "internal error", { cause: err });
}

export async function onError(err: unknown, c: Context<AppEnv>): Promise<Response> {
  const apiError = toApiError(err);
  // Never the raw error: a database error's message carries the query's bound parameters.
  const logger = edgeLogger(c.get("config"));
  const requestId = c.get("requestId");
  if (apiError.code === "internal")
    logger.error("unexpected error", { requestId, error: describeForLog(err) });
  if (wantsHtmlError(c)) {
    try {
      return await htmlErrorResponse(c, apiError);
    } catch (pageErr) {
      logger.error("error page failed", { requestId, error: describeForLog(pageErr) });
    }
  }
  const body = errorBody(apiError, c.get("requestId") ?? "unknown");
  const response = c.json(body, apiError.status as 500);
  for (const [name, value] of Object.entries(apiError.headers)) response.headers.set(name, value);
  return response;
}

export function notFound(c: Context<AppEnv>): Promise<Response> {
  return onError(new ApiError("not_found", `no route for ${c.req.method} ${c.req.path}`), c);
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "rate_limited",
  503: "service_unavailable",
};

function codeForHttpStatus(status: number): ErrorCode {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? "internal" : "bad_request");
}
