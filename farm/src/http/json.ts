import type http from "node:http";
import { ApiError, errorBody } from "../../../shared/errors/api-error.ts";
import { createLogger, type Logger } from "../../../shared/logging/logger.ts";

const fallbackLogger = createLogger();

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
    "cache-control": "no-store",
  });
  res.end(payload);
}

/** The farm's one mapping from errors to HTTP, same body shape as the edge. */
export function sendError(
  res: http.ServerResponse,
  err: unknown,
  requestId: string,
  logger: Logger = fallbackLogger,
): void {
  const apiError = err instanceof ApiError ? err : new ApiError("internal", "internal error", { cause: err });
  if (apiError.code === "internal") {
    logger.error("unexpected error", { requestId, error: (err as Error)?.stack ?? String(err) });
  }
  for (const [name, value] of Object.entries(apiError.headers)) res.setHeader(name, value);
  sendJson(res, apiError.status, errorBody(apiError, requestId));
}
