/**
 * Guards every request that carries a body on the API: it must be JSON and small. Limits
 * are enforced on the bytes actually read, so a lying or missing Content-Length cannot
 * smuggle a large body past the check.
 */
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { ApiError } from "../../../shared/errors/api-error.ts";
import type { AppEnv } from "../env.ts";

const WITH_BODY = new Set(["POST", "PUT", "PATCH"]);

/** The one DELETE that takes a body: deleting the account asks for its password. */
const DELETE_WITH_BODY = /^\/api\/v1\/me\/?$/;

/**
 * The one route whose body is not JSON: a subtitle file (`PUT /api/v1/videos/:id/subtitles/:lang`).
 * It checks its own types and reads at most SUBTITLE_MAX_BYTES (http/subtitle-file.ts).
 */
const SUBTITLE_FILE = /^\/api\/v1\/videos\/[^/]+\/subtitles\/[^/]+\/?$/;

export const jsonBodyGuard = createMiddleware<AppEnv>(async (c, next) => {
  const withBody =
    WITH_BODY.has(c.req.method) || (c.req.method === "DELETE" && DELETE_WITH_BODY.test(c.req.path));
  if (!withBody) return next();
  if (c.req.method === "PUT" && SUBTITLE_FILE.test(c.req.path)) return next();
  // A POST without a body (e.g. asking for a new upload ticket) has no type to check; routes
  // that need a body refuse the missing one in validation.
  if (c.req.raw.body === null || c.req.header("content-length") === "0") return next();
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
    throw new ApiError("unsupported_media_type", "send the body as application/json");
  }
  const maxSize = c.get("config").MAX_JSON_BYTES;
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new ApiError("payload_too_large", `JSON bodies are limited to ${maxSize} bytes`);
    },
  })(c, next);
});
