/**
 * Every farm error is the one JSON shape `{error:{code,message,requestId}}`, but tus answers
 * some requests itself, in plain text, before any hook of ours runs: 412 without
 * Tus-Resumable, 400 for a malformed tus header, 404 for a method it does not know, 501 for
 * an extension we do not offer, and its own errors (409 Upload-Offset conflict, …). Every
 * error response of tus goes through `Server#write`, so that is the one place they are
 * rewritten; bodies our hooks already made JSON keep theirs and get the right Content-Type.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { Server } from "@tus/server";
import type { CancellationContext } from "@tus/utils";
import { ERROR_STATUS, type ErrorCode } from "../../../shared/errors/error-codes.ts";

/** The request tus is answering (set around `server.handle`): its id and method. */
export const tusRequest = new AsyncLocalStorage<{ requestId: string; method: string }>();

const CODE_FOR_TUS_STATUS: Record<number, ErrorCode> = {
  400: "bad_request",
  // tus answers 403 for a missing Upload-Offset or Content-Type: malformed, not forbidden.
  403: "bad_request",
  404: "not_found",
  409: "conflict",
  410: "gone",
  412: "precondition_failed",
  413: "payload_too_large",
  415: "unsupported_media_type",
  423: "locked",
  // Upload-Concat (parallel uploads): the client asked for what we do not offer. A 4xx, so
  // tus clients stop instead of retrying a request that can never succeed.
  501: "bad_request",
};

/** A tus error response as our JSON error: its status follows the code, one mapping for both. */
export function jsonTusError(status: number, body: string, requestId: string) {
  if (body.startsWith('{"error":')) return { status, body };
  const code = CODE_FOR_TUS_STATUS[status] ?? (status >= 500 ? "internal" : "bad_request");
  const message = body.trim() || "the upload request was refused";
  return { status: ERROR_STATUS[code], body: JSON.stringify({ error: { code, message, requestId } }) };
}

/**
 * tus-js-client answers any non-2xx to the HEAD that resumes an upload — 500 and 503 included —
 * by dropping the upload and creating a new one, which the farm refuses (one upload per
 * video): a database or storage outage during a resume would strand the upload for good.
 * 423 is the one status it retries, so that is what a HEAD gets while its state cannot be read.
 */
const UNREADABLE = "the upload's state cannot be read right now; retry shortly";

/** @tus/server whose error responses are JSON. */
export class JsonErrorTusServer extends Server {
  override write(context: CancellationContext, headers: Headers, status: number, body = "") {
    if (status < 400) return super.write(context, headers, status, body);
    const request = tusRequest.getStore();
    if (status >= 500 && request?.method === "HEAD") {
      status = 423;
      body = UNREADABLE;
    }
    const error = jsonTusError(status, body, request?.requestId ?? "unknown");
    headers.set("Content-Type", "application/json; charset=utf-8");
    return super.write(context, headers, error.status, error.body);
  }
}
