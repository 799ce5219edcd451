/**
 * Lets ffmpeg read a source straight from object storage with byte ranges, so a chunk job
 * reads only its part of a multi-gigabyte upload (the container's index, then the bytes
 * from the keyframe before its start) instead of downloading all of it. A loopback HTTP
 * server per job, on a random port and an unguessable path, answering GET/HEAD with ranges
 * from S3 (signed by the node's SDK client: no credentials on ffmpeg's command line, and any
 * S3 works, whether or not it accepts presigned URLs). Requests for the same bytes share one
 * read of storage (shared-source-reads.ts): the encode's two openings of the source, a few
 * seconds apart, fetch it once.
 *
 * A read from S3 that breaks off mid-response drops ffmpeg's connection; ffmpeg (`-reconnect`)
 * asks again from where it stopped. But when storage keeps failing past its reconnect delays,
 * ffmpeg takes the cut for the end of the file and exits 0 with the video cut short, so every
 * job checks `assertWhole` after its ffmpeg: a break nobody read past again fails the run
 * (retried) instead of publishing a truncated video. ffmpeg closing a connection itself (a
 * seek, a chunk's window done) is not a break.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { parseByteRange } from "../../../shared/http/byte-range.ts";
import { MediaError } from "../media/media-error.ts";
import type { ObjectStorage } from "../storage/object-storage.ts";
import { SharedSourceReads } from "./shared-source-reads.ts";

export interface SourceServer {
  /** What ffmpeg opens (an `http://127.0.0.1:…` URL). */
  url: string;
  /** The source's size, and where ffmpeg's range requests started (it reads from a keyframe, not from 0). */
  size: number;
  requestedOffsets(): number[];
  /** Bytes sent to ffmpeg so far. */
  bytesServed(): number;
  /** Bytes read from storage so far: less than those sent when readers share reads (shared-source-reads.ts). */
  bytesFromStorage(): number;
  /** Throws when a read from storage broke off and no later read got past that byte (see the header). */
  assertWhole(): void;
  close(): Promise<void>;
}

/** What `assertWhole` throws: retried like any failure of storage. */
export class SourceReadBrokenError extends Error {
  constructor(readonly offsets: number[]) {
    super(
      `reading the source from storage broke off at byte ${offsets.join(", ")} and never resumed; ffmpeg would take it for the end of the file, so nothing of this run is kept`,
    );
    this.name = "SourceReadBrokenError";
  }
}

/** serveSource for an upload: a source gone from storage fails the video with `source_missing`. */
export async function serveUpload(
  storage: ObjectStorage,
  key: string,
  signal?: AbortSignal,
): Promise<SourceServer> {
  return serveSource(storage, key, signal).catch((err) => {
    if ((err as { name?: string }).name === "NoSuchKey") {
      throw new MediaError("source_missing", "The uploaded file is no longer in storage; upload it again.");
    }
    throw err;
  });
}

export async function serveSource(
  storage: ObjectStorage,
  key: string,
  signal?: AbortSignal,
): Promise<SourceServer> {
  const size = await storage.objectSize(key);
  if (size === undefined) throw Object.assign(new Error(`no such object: ${key}`), { name: "NoSuchKey" });
  const secret = `/${randomBytes(16).toString("hex")}`;
  const offsets: number[] = [];
  let served = 0;
  /** Where reads from storage broke off with ffmpeg still reading; dropped once a read gets past. */
  const broken = new Set<number>();
  const reads = new SharedSourceReads((from, to, stop) =>
    storage.readRange(key, from, to, AbortSignal.any([stop, ...(signal ? [signal] : [])])),
  );
  const server = http.createServer((req, res) => {
    if (req.url !== secret || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404).end();
      return;
    }
    const parsed = parseByteRange(req.headers.range, size);
    // Not a single byte range: the whole object, as HTTP allows.
    const range = parsed === "malformed" ? undefined : parsed;
    if (range === "unsatisfiable") {
      res.writeHead(416, { "content-range": `bytes */${size}` }).end();
      return;
    }
    const { start, end } = range ?? { start: 0, end: size - 1 };
    offsets.push(start);
    const headers: http.OutgoingHttpHeaders = {
      "accept-ranges": "bytes",
      "content-type": "application/octet-stream",
      "content-length": String(end - start + 1),
    };
    if (range) headers["content-range"] = `bytes ${start}-${end}/${size}`;
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === "HEAD" || size === 0) {
      res.end();
      return;
    }
    // ffmpeg closes a connection as soon as it seeks elsewhere: stop reading for it then.
    const stop = new AbortController();
    res.on("close", () => stop.abort());
    let sent = 0;
    const sink = (data: Buffer) => {
      served += data.length;
      sent += data.length;
      for (const at of broken) if (start <= at && at < start + sent) broken.delete(at);
      return writeOrWait(res, data);
    };
    reads.copy(start, end, sink, AbortSignal.any([stop.signal, ...(signal ? [signal] : [])])).then(
      () => res.end(),
      () => {
        // Storage failed under a reader still connected (not ffmpeg going away, not our stop).
        if (!stop.signal.aborted && !signal?.aborted) broken.add(start + sent);
        res.destroy();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${secret}`,
    size,
    requestedOffsets: () => [...offsets],
    bytesServed: () => served,
    bytesFromStorage: () => reads.bytesFromStorage(),
    assertWhole: () => {
      if (broken.size > 0) throw new SourceReadBrokenError([...broken].sort((a, b) => a - b));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes to the response; resolves when it takes more (drained) or is gone. */
function writeOrWait(res: http.ServerResponse, data: Buffer): Promise<void> {
  if (res.write(data)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
