/**
 * Errors on HTML routes become a friendly page with the same status; API routes (and
 * clients that do not ask for HTML) keep the JSON error body.
 */
import type { Context } from "hono";
import type { ApiError } from "../../../shared/errors/api-error.ts";
import type { AppEnv } from "../env.ts";
import { setPageHeaders } from "../http/page-security.ts";
import { assetManifest } from "./asset-links.ts";
import { ErrorPage } from "./error-page.tsx";

const JSON_PATHS = /^\/(api\/|openapi\.json$|\.well-known\/|healthz$|doc$)/;

export function wantsHtmlError(c: Context<AppEnv>): boolean {
  return !JSON_PATHS.test(c.req.path) && (c.req.header("accept") ?? "").includes("text/html");
}

export async function htmlErrorResponse(c: Context<AppEnv>, error: ApiError): Promise<Response> {
  const message =
    error.status === 404
      ? "The video or page you are looking for is not here. It may have been deleted or made private."
      : error.status >= 500
        ? "Movio could not answer just now. Please try again in a moment."
        : error.message;
  const assets = await assetManifest(c.env.ASSETS);
  setPageHeaders(c);
  return c.html(
    <ErrorPage assets={assets} status={error.status} message={message} requestId={c.get("requestId")} />,
    error.status as 404,
  );
}
