/**
 * Watches one streaming tus PATCH: once a second in which bytes arrived, it records the
 * upload's activity (expiry counts from the last byte) and learns whether the video was
 * deleted meanwhile — then the request is cut at once instead of streaming on into storage.
 */
import type http from "node:http";
import type { VideoStore } from "../transcode/video-store.ts";

const WATCH_MS = 1000;

export function watchUploadRequest(
  req: http.IncomingMessage,
  id: string,
  videos: Pick<VideoStore, "uploadActivity">,
  log: (line: string) => void,
  /** Whether tus has authorised this request for this upload: a stranger's bytes keep nothing alive. */
  authorized: () => boolean,
): () => void {
  // Bytes are counted on the socket: a 'data' listener on the request would switch it to
  // flowing mode and steal the body from tus.
  let seen = -1; // a request that starts counts as activity
  const check = async () => {
    if (!authorized()) return;
    const read = req.socket.bytesRead;
    if (read === seen) return;
    seen = read;
    const { deleted } = await videos.uploadActivity(id);
    if (deleted) {
      log(`upload ${id}: the video was deleted; cutting the request`);
      req.destroy();
    }
  };
  void check().catch(() => undefined);
  const timer = setInterval(() => void check().catch(() => undefined), WATCH_MS);
  return () => clearInterval(timer);
}
