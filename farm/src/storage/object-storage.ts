/**
 * The farm's object storage: download a source to disk, publish a directory with parallel
 * uploads, retries with backoff, and the right Content-Type and Cache-Control; delete by
 * prefix. One S3 client per node.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { cacheControlFor, contentTypeFor } from "../../../shared/storage/content-types.ts";

export class ObjectStorage {
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    private readonly retries = 4,
  ) {}

  /** Downloads an object to a file; `signal` stops it at once (a job that lost its lease). */
  async download(key: string, file: string, signal?: AbortSignal): Promise<void> {
    await this.withRetry(async () => {
      signal?.throwIfAborted();
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
        abortSignal: signal,
      });
      await pipeline(object.Body as Readable, createWriteStream(file), { signal });
    }, signal);
  }

  /** Uploads every file of `dir` under `prefix`, `concurrency` at a time. Returns the keys. */
  async publishDirectory(
    dir: string,
    prefix: string,
    options: { concurrency?: number; signal?: AbortSignal; skip?: ReadonlySet<string> } = {},
  ): Promise<string[]> {
    const { concurrency = 6, signal, skip } = options;
    // `skip`: files an earlier upload of the same directory already stored (first playable).
    const names = (await readdir(dir)).filter((name) => !skip?.has(name)).sort();
    const queue = [...names];
    const keys: string[] = [];
    const worker = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        const file = path.join(dir, name);
        const key = `${prefix}${name}`;
        const { size } = await stat(file);
        await this.withRetry(() => {
          signal?.throwIfAborted();
          return this.client.send(
            new PutObjectCommand({
              Bucket: this.bucket,
              Key: key,
              Body: createReadStream(file),
              ContentLength: size,
              ContentType: contentTypeFor(name),
              CacheControl: cacheControlFor(name),
            }),
            { abortSignal: signal },
          );
        }, signal);
        keys.push(key);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, worker));
    return keys;
  }

  /**
   * Uploads one file to `key` (a segment published while its encode runs); `cacheControl`
   * overrides the name's rule (a growing manifest must not be cached).
   */
  async putFile(key: string, file: string, options: { cacheControl?: string; signal?: AbortSignal } = {}) {
    const { size } = await stat(file);
    await this.withRetry(() => {
      options.signal?.throwIfAborted();
      return this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: createReadStream(file),
          ContentLength: size,
          ContentType: contentTypeFor(key),
          CacheControl: options.cacheControl ?? cacheControlFor(key),
        }),
        { abortSignal: options.signal },
      );
    }, options.signal);
  }

  /** A small text object (a manifest), read whole. */
  async readText(key: string): Promise<string> {
    return this.withRetry(async () => {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await object.Body?.transformToString("utf-8")) ?? "";
    });
  }

  /** Stores small text objects (subtitle files, manifests) under `prefix`, with their type and cache rules. */
  async putTexts(
    prefix: string,
    files: Map<string, string>,
    options: { cacheControl?: string; signal?: AbortSignal } = {},
  ): Promise<void> {
    await Promise.all(
      [...files].map(([name, body]) =>
        this.withRetry(() => {
          options.signal?.throwIfAborted();
          return this.client.send(
            new PutObjectCommand({
              Bucket: this.bucket,
              Key: `${prefix}${name}`,
              Body: body,
              ContentType: contentTypeFor(name),
              CacheControl: options.cacheControl ?? cacheControlFor(name),
            }),
            { abortSignal: options.signal },
          );
        }, options.signal),
      ),
    );
  }

  /** A byte range of an object as a stream (`end` inclusive; open-ended when undefined). */
  async readRange(
    key: string,
    start: number,
    end: number | undefined,
    signal?: AbortSignal,
  ): Promise<Readable> {
    const object = await this.withRetry(
      () =>
        this.client.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end ?? ""}` }),
          { abortSignal: signal },
        ),
      signal,
    );
    return object.Body as Readable;
  }

  /** The object's size, or undefined when there is no such object. */
  async objectSize(key: string): Promise<number | undefined> {
    try {
      const head = await this.withRetry(() =>
        this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })),
      );
      return head.ContentLength;
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404) return undefined;
      throw err;
    }
  }

  /** Total bytes stored under `prefix` (storage statistics). */
  async prefixBytes(prefix: string): Promise<number> {
    return (await this.listObjects(prefix)).reduce((sum, object) => sum + object.size, 0);
  }

  async listKeys(prefix: string): Promise<string[]> {
    return (await this.listObjects(prefix)).map((object) => object.key);
  }

  /** Every object under `prefix`, page by page. */
  private async listObjects(prefix: string): Promise<{ key: string; size: number }[]> {
    const objects: { key: string; size: number }[] = [];
    let token: string | undefined;
    do {
      const page = await this.withRetry(() =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
        ),
      );
      for (const item of page.Contents ?? [])
        if (item.Key) objects.push({ key: item.Key, size: item.Size ?? 0 });
      token = page.NextContinuationToken;
    } while (token);
    return objects;
  }

  /**
   * Deletes keys in batches of 1000. DeleteObjects answers 200 even when some keys failed
   * (listed in `Errors`): those are retried, and still failing they make this throw.
   */
  async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      let batch = keys.slice(i, i + 1000);
      await this.withRetry(async () => {
        const result = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        const failed = (result.Errors ?? []).filter((e) => e.Key);
        if (failed.length > 0) {
          batch = failed.map((e) => e.Key as string);
          throw new PartialDeleteError(failed.map((e) => `${e.Key}: ${e.Code ?? "error"}`).join(", "));
        }
      });
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = await this.listKeys(prefix);
    await this.deleteKeys(keys);
    return keys.length;
  }

  private async withRetry<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
        const retryable =
          err instanceof PartialDeleteError || status === 0 || status >= 500 || status === 429;
        if (!retryable || attempt >= this.retries) throw err;
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt + Math.random() * 100));
      }
    }
  }
}

/** Some keys of a DeleteObjects batch were not deleted. */
export class PartialDeleteError extends Error {
  override name = "PartialDeleteError";
  constructor(keys: string) {
    super(`could not delete ${keys}`);
  }
}
