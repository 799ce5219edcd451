/**
 * Decodes `aws-chunked` request bodies (SigV4 streaming uploads): each chunk is
 * `<hex size>[;chunk-signature=…]\r\n<data>\r\n`, ending with a zero-size chunk and optional
 * trailers (checksums). Signatures are not checked: this is a loopback dev server.
 */
import { Transform, type TransformCallback } from "node:stream";

export function isAwsChunked(headers: Record<string, string | string[] | undefined>): boolean {
  const sha = String(headers["x-amz-content-sha256"] ?? "");
  return sha.startsWith("STREAMING-") || String(headers["content-encoding"] ?? "").includes("aws-chunked");
}

export class AwsChunkedDecoder extends Transform {
  private buffer = Buffer.alloc(0);
  private remaining = -1; // bytes of chunk data still to pass; -1 = expecting a header
  private done = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    try {
      this.drain();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    callback(this.done ? null : new Error("aws-chunked body ended before its final chunk"));
  }

  private drain(): void {
    while (!this.done) {
      if (this.remaining < 0) {
        const eol = this.buffer.indexOf("\r\n");
        if (eol < 0) return;
        const size = Number.parseInt(this.buffer.subarray(0, eol).toString("latin1").split(";")[0] ?? "", 16);
        if (!Number.isFinite(size) || size < 0) throw new Error("bad aws-chunked header");
        this.buffer = this.buffer.subarray(eol + 2);
        if (size === 0) {
          this.done = true; // trailers (if any) follow; they are not needed
          return;
        }
        this.remaining = size;
      }
      if (this.remaining > 0) {
        if (this.buffer.length === 0) return;
        const take = Math.min(this.remaining, this.buffer.length);
        this.push(this.buffer.subarray(0, take));
        this.buffer = this.buffer.subarray(take);
        this.remaining -= take;
      }
      if (this.remaining === 0) {
        if (this.buffer.length < 2) return;
        this.buffer = this.buffer.subarray(2); // the chunk's trailing CRLF
        this.remaining = -1;
      }
    }
  }
}
