/**
 * One read of object storage for every reader of the same bytes. The single-node encode opens
 * the source twice (the audio apart: media/encode-ladder.ts) and both openings read the whole
 * file front to back, a few seconds of media apart: with a read each, a node fetched every byte
 * of the source twice. A read here keeps the last `WINDOW_BYTES` it received, so a reader that
 * starts inside that window follows the same read instead of opening its own.
 *
 * Invariants: storage is read on demand only — when a reader has consumed all that was received
 * — so a read goes at the pace of the reader ahead and holds at most the window in memory; a
 * reader that falls more than the window behind moves to a read of its own from where it is
 * (it never waits for the other reader, nor holds it up); every reader gets exactly the bytes of
 * its range, in order. A read that fails fails each reader still needing its bytes, once it has
 * had what was received (the caller turns that into a dropped connection: source-server.ts).
 */
import type { Readable } from "node:stream";

/** What a read keeps behind its newest byte for readers that follow it. */
export const WINDOW_BYTES = 32 * 1024 * 1024;
/** A reader may start this far past what a read has received and still follow it. */
const JOIN_AHEAD_BYTES = 4 * 1024 * 1024;

/** Opens storage for bytes start..end (inclusive). */
export type OpenRange = (start: number, end: number, signal: AbortSignal) => Promise<Readable>;

/** Hands data on; resolves once it may be given more. */
export type Sink = (data: Buffer) => Promise<void>;

export class SharedSourceReads {
  private readonly reads = new Set<SharedRead>();
  private fromStorage = 0;

  constructor(
    private readonly open: OpenRange,
    private readonly windowBytes = WINDOW_BYTES,
  ) {}

  /** Bytes received from storage so far, over every read. */
  bytesFromStorage(): number {
    return this.fromStorage;
  }

  /**
   * Gives `sink` bytes start..end (inclusive) in order. Rejects when `stop` aborts (the reader
   * went away) or when storage failed before the reader had its bytes.
   */
  async copy(start: number, end: number, sink: Sink, stop: AbortSignal): Promise<void> {
    let cursor = start;
    let read: SharedRead | undefined;
    try {
      while (cursor <= end) {
        stop.throwIfAborted();
        if (!read || cursor < read.windowStart) {
          if (read) this.leave(read);
          read = this.join(cursor, end);
        }
        if (cursor < read.position) {
          const data = read.bytesAt(cursor, end + 1);
          cursor += data.length;
          await sink(data);
          continue;
        }
        if (read.failed) throw read.failed;
        if (read.ended) throw new Error(`storage ended the read at byte ${read.position}, before ${end + 1}`);
        await read.more(stop);
      }
    } finally {
      if (read) this.leave(read);
    }
  }

  /** A read this reader can follow from `cursor`, or a new one. */
  private join(cursor: number, end: number): SharedRead {
    for (const read of this.reads) {
      if (read.failed || read.end < end) continue;
      if (read.windowStart <= cursor && cursor <= read.position + JOIN_AHEAD_BYTES) {
        read.readers++;
        return read;
      }
    }
    const read = new SharedRead(cursor, end, this.windowBytes, this.open, (bytes) => {
      this.fromStorage += bytes;
    });
    this.reads.add(read);
    return read;
  }

  private leave(read: SharedRead): void {
    read.readers--;
    if (read.readers === 0 || read.failed) this.reads.delete(read);
    if (read.readers === 0) read.close();
  }
}

/** One ranged read of storage and the window of bytes it keeps. */
class SharedRead {
  readers = 1;
  /** The first byte still kept, and the next byte to come. */
  windowStart: number;
  position: number;
  failed: Error | undefined;
  ended = false;
  private readonly chunks: { at: number; data: Buffer }[] = [];
  private readonly abort = new AbortController();
  private wanted = true;
  private wakePump: (() => void) | undefined;
  private waiting: (() => void)[] = [];

  constructor(
    readonly start: number,
    readonly end: number,
    private readonly windowBytes: number,
    open: OpenRange,
    private readonly received: (bytes: number) => void,
  ) {
    this.windowStart = this.position = start;
    void this.pump(open);
  }

  /** Bytes from `at` (received, still kept) up to `limit` (exclusive), from one chunk: no copy. */
  bytesAt(at: number, limit: number): Buffer {
    let low = 0;
    let high = this.chunks.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.chunks[mid] as { at: number }).at <= at) low = mid;
      else high = mid - 1;
    }
    const chunk = this.chunks[low] as { at: number; data: Buffer };
    return chunk.data.subarray(at - chunk.at, Math.min(chunk.data.length, limit - chunk.at));
  }

  /** Resolves when more bytes came, the read ended or failed, or `stop` aborted. */
  more(stop: AbortSignal): Promise<void> {
    this.wanted = true;
    this.wakePump?.();
    return new Promise((resolve) => {
      const done = () => {
        stop.removeEventListener("abort", done);
        resolve();
      };
      stop.addEventListener("abort", done);
      this.waiting.push(done);
    });
  }

  close(): void {
    this.abort.abort();
    this.wakePump?.();
  }

  private async pump(open: OpenRange): Promise<void> {
    try {
      const body = await open(this.start, this.end, this.abort.signal);
      for await (const data of body as AsyncIterable<Buffer>) {
        this.chunks.push({ at: this.position, data });
        this.position += data.length;
        this.received(data.length);
        this.trim();
        this.wake();
        // Nobody needs more yet: leave the rest in storage's connection (its flow control).
        this.wanted = false;
        while (!this.wanted && !this.abort.signal.aborted) {
          await new Promise<void>((resolve) => {
            this.wakePump = resolve;
          });
        }
        this.wakePump = undefined;
        if (this.abort.signal.aborted) break;
      }
      if (!this.abort.signal.aborted && this.position !== this.end + 1) {
        throw new Error(`storage sent ${this.position - this.start} of ${this.end + 1 - this.start} bytes`);
      }
      this.ended = true;
    } catch (err) {
      this.failed = err instanceof Error ? err : new Error(String(err));
    }
    this.wake();
  }

  private trim(): void {
    while (this.chunks.length > 1) {
      const first = this.chunks[0] as { at: number; data: Buffer };
      if (this.position - (first.at + first.data.length) < this.windowBytes) break;
      this.chunks.shift();
      this.windowStart = first.at + first.data.length;
    }
  }

  private wake(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}
