/**
 * @tus/s3-store, fixed for the faults a farm meets: S3 failing some requests, Postgres (where
 * the store's cache lives) going away for a while.
 *
 * Contiguous bytes. The store uploads a PATCH's parts concurrently — the trailing incomplete
 * part (`.part`) included — and takes an upload's offset to be the sum of every stored part
 * plus `.part`. When S3 fails one part but stores a later one (or the `.part`), that sum counts
 * bytes that follow a hole: the client resumes past the hole and the assembled file is silently
 * corrupt (seen with a part whose S3 connection stalled while the `.part` went through). Rules:
 * - only the run of parts numbered 1, 2, 3, … without a gap counts; a part after a gap is
 *   sent again (same number, same bytes) by the resumed upload and overwritten;
 * - the `.part` is stored only once every full part before it in the same PATCH was stored.
 *
 * Not found means not found. The store answers 404 for any failure to read an upload's
 * metadata, a database or S3 outage included, and tus clients answer a 404 by dropping the
 * upload and creating a new one, which the farm refuses (one upload per video). Only a
 * missing `.info` object is "not found" here; anything else is an error, answered as one.
 */
import type { Readable } from "node:stream";
import { type MetadataValue, S3Store } from "@tus/s3-store";
import type { Upload } from "@tus/utils";

type PartSource = Parameters<S3Store["write"]>[0];

export class FarmS3Store extends S3Store {
  /** Per upload being written: whether each full part of this PATCH was stored. */
  private readonly writing = new Map<string, Promise<boolean>[]>();

  /** The store's own S3 client (the node's metrics count its errors). */
  get s3(): S3Store["client"] {
    return this.client;
  }

  override async write(src: PartSource, id: string, offset: number): Promise<number> {
    this.writing.set(id, []); // one PATCH per upload at a time: tus holds its lock
    try {
      return await super.write(src, id, offset);
    } finally {
      this.writing.delete(id);
    }
  }

  protected override uploadPart(
    metadata: MetadataValue,
    readStream: Parameters<S3Store["uploadPart"]>[1],
    partNumber: number,
  ): Promise<string> {
    const upload = super.uploadPart(metadata, readStream, partNumber);
    this.writing.get(metadata.file.id)?.push(
      upload.then(
        () => true,
        () => false,
      ),
    );
    return upload;
  }

  protected override async uploadIncompletePart(id: string, readStream: Readable): Promise<string> {
    const stored = await Promise.all(this.writing.get(id) ?? []);
    if (stored.includes(false)) {
      readStream.destroy();
      throw new Error("an earlier part of this upload was not stored; its tail is not kept either");
    }
    return super.uploadIncompletePart(id, readStream);
  }

  override async getUpload(id: string): Promise<Upload> {
    await this.getMetadata(id).catch((err: { name?: string }) => {
      if (err?.name !== "NoSuchKey") throw err;
    });
    return super.getUpload(id); // the metadata is cached now (or missing: 404 as before)
  }

  protected override async retrieveParts(id: string, partNumberMarker?: string) {
    const parts = await super.retrieveParts(id, partNumberMarker);
    if (partNumberMarker) return parts; // a later page of the listing: trimmed as a whole below
    const contiguous: typeof parts = [];
    for (const part of parts) {
      if (part.PartNumber !== contiguous.length + 1) break;
      contiguous.push(part);
    }
    return contiguous;
  }
}
