/**
 * What one tus request means for the upload metrics: a request carrying file bytes (PATCH, or
 * a POST with creation-with-upload) is in progress until its connection closes, and its bytes
 * are counted as they arrive; a request that fails (5xx), is cut before its answer, or a
 * creation that is refused (4xx) counts as a failed upload.
 *
 * Bytes are counted from the request's own 'data' events, attached only once the request is
 * already flowing (its 'resume' event: tus has started reading). Attached earlier, the
 * listener would start the stream itself and bytes would flow before tus reads them.
 */
import type http from "node:http";
import type { FarmMetrics } from "./farm-metrics.ts";

export type UploadMetrics = Pick<
  FarmMetrics,
  "uploadStarted" | "uploadEnded" | "uploadReceived" | "uploadFailed"
>;

export function trackUploadRequest(
  metrics: UploadMetrics,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  const carriesBytes =
    req.method === "PATCH" ||
    (req.method === "POST" && /^application\/offset\+octet-stream/i.test(req.headers["content-type"] ?? ""));
  if (carriesBytes) {
    metrics.uploadStarted();
    const count = (chunk: Buffer) => metrics.uploadReceived(chunk.length);
    req.once("resume", () => req.on("data", count));
  }
  res.once("close", () => {
    if (carriesBytes) metrics.uploadEnded();
    if (req.method !== "PATCH" && req.method !== "POST") return;
    if (!res.writableFinished) metrics.uploadFailed("aborted");
    else if (res.statusCode >= 500) metrics.uploadFailed("error");
    else if (req.method === "POST" && res.statusCode >= 400) metrics.uploadFailed("refused");
  });
}
