/**
 * The body of `PUT …/subtitles/:lang`: a subtitle file as raw bytes, not JSON (jsonBodyGuard
 * lets this one route through). Its type is checked before anything is read; its size on
 * the bytes actually read, stopping at SUBTITLE_MAX_BYTES + 1, so neither a lying nor a
 * missing Content-Length gets more than the limit into memory.
 */
import type { Context } from "hono";
import { ApiError } from "../../../shared/errors/api-error.ts";
import type { AppEnv } from "../env.ts";

/** What clients send subtitle files as; the format itself is recognised from the content. */
export const SUBTITLE_MEDIA_TYPES = [
  "text/vtt",
  "application/x-subrip",
  "text/plain",
  "application/octet-stream",
] as const;

/** Also accepted: no type at all (`curl -T`) and SubRip's unofficial names. */
const ALSO_ACCEPTED = new Set(["", "text/srt", "application/srt", "text/x-srt", "application/x-srt"]);

/** Refuses a wrong type or a declared size over the limit, without reading the body. */
export function checkSubtitleUpload(c: Context<AppEnv>): void {
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!(SUBTITLE_MEDIA_TYPES as readonly string[]).includes(type) && !ALSO_ACCEPTED.has(type)) {
    throw new ApiError(
      "unsupported_media_type",
      `send the subtitle file as the body, typed ${SUBTITLE_MEDIA_TYPES.join(", ")}`,
    );
  }
  const declared = c.req.header("content-length");
  if (declared && /^\d+$/.test(declared) && Number(declared) > c.get("config").SUBTITLE_MAX_BYTES) {
    throw tooLarge(c);
  }
}

/** Reads the body, refusing it with 413 as soon as it passes the limit. */
export async function readSubtitleUpload(c: Context<AppEnv>): Promise<Uint8Array> {
  const body = c.req.raw.body;
  if (!body) return new Uint8Array(0);
  const max = c.get("config").SUBTITLE_MAX_BYTES;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge(c);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function tooLarge(c: Context<AppEnv>): ApiError {
  const max = c.get("config").SUBTITLE_MAX_BYTES;
  return new ApiError("payload_too_large", `subtitle files are limited to ${max} bytes`, {
    details: { limit: max },
  });
}
