/**
 * File-system storage behind the local S3 server: one folder per bucket, objects stored
 * under their URI-encoded key (so `../` in a key can never leave the bucket) with a JSON
 * sidecar for metadata, and multipart uploads as part files until completed.
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

/** Reads an opened object (all of it, or a byte range), once: the stream closes the file. */
type OpenedRead = (range?: { start: number; end: number }) => Readable;

export interface ObjectMeta {
  key: string;
  size: number;
  etag: string;
  contentType: string;
  lastModified: string;
  metadata: Record<string, string>;
  cacheControl?: string;
}

export class S3StoreError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const encodeKey = (key: string) => encodeURIComponent(key).replace(/\./g, "%2E");

export class FsStore {
  constructor(private readonly root: string) {}

  private bucketDir(bucket: string) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
      throw new S3StoreError("InvalidBucketName", 400, bucket);
    return path.join(this.root, bucket);
  }
  private objectPath(bucket: string, key: string) {
    return path.join(this.bucketDir(bucket), "objects", encodeKey(key));
  }
  private uploadDir(bucket: string, uploadId: string) {
    if (!/^[0-9a-f-]{36}$/.test(uploadId)) throw new S3StoreError("NoSuchUpload", 404, "no such upload");
    return path.join(this.bucketDir(bucket), "uploads", uploadId);
  }

  async createBucket(bucket: string) {
    await mkdir(path.join(this.bucketDir(bucket), "objects"), { recursive: true });
    await mkdir(path.join(this.bucketDir(bucket), "uploads"), { recursive: true });
  }
  async assertBucket(bucket: string) {
    if (!existsSync(path.join(this.bucketDir(bucket), "objects"))) {
      throw new S3StoreError("NoSuchBucket", 404, `bucket ${bucket} does not exist`);
    }
  }
  async listBuckets(): Promise<string[]> {
    if (!existsSync(this.root)) return [];
    return (await readdir(this.root)).sort();
  }

  /** Streams `body` to a temp file, then renames over the object: readers never see half a file. */
  async putObject(
    bucket: string,
    key: string,
    body: Readable,
    meta: Omit<ObjectMeta, "key" | "size" | "etag" | "lastModified">,
  ) {
    await this.assertBucket(bucket);
    const file = this.objectPath(bucket, key);
    const { size, md5 } = await writeHashed(body, `${file}.${randomUUID()}.tmp`, file);
    return this.writeMeta(bucket, key, { ...meta, size, etag: `"${md5}"` });
  }

  private async writeMeta(bucket: string, key: string, meta: Omit<ObjectMeta, "key" | "lastModified">) {
    const full: ObjectMeta = { key, lastModified: new Date().toISOString(), ...meta };
    // Renamed into place like the data: a reader never parses half a meta file.
    const file = `${this.objectPath(bucket, key)}.meta.json`;
    const temp = `${file}.${randomUUID()}.tmp`;
    await writeFile(temp, JSON.stringify(full));
    await rename(temp, file);
    return full;
  }

  async headObject(bucket: string, key: string): Promise<ObjectMeta> {
    await this.assertBucket(bucket);
    try {
      return JSON.parse(await readFile(`${this.objectPath(bucket, key)}.meta.json`, "utf8")) as ObjectMeta;
    } catch {
      throw new S3StoreError("NoSuchKey", 404, "The specified key does not exist.");
    }
  }

  readObject(bucket: string, key: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.objectPath(bucket, key), range);
  }

  /**
   * The object's bytes as they are at this moment, with their size: an overwrite renames a
   * new file over the object between its data and its meta, so a reader that took the size from
   * the meta could serve the new body cut at the old length (a growing manifest, truncated).
   */
  async openObject(
    bucket: string,
    key: string,
  ): Promise<{ size: number; read: OpenedRead; close: () => Promise<void> }> {
    let handle: FileHandle;
    try {
      handle = await open(this.objectPath(bucket, key), "r");
    } catch {
      throw new S3StoreError("NoSuchKey", 404, "The specified key does not exist.");
    }
    const { size } = await handle.stat();
    return {
      size,
      read: (range) => handle.createReadStream({ ...(range ?? {}), autoClose: true }),
      close: () => handle.close(),
    };
  }

  async deleteObject(bucket: string, key: string) {
    await this.assertBucket(bucket);
    const file = this.objectPath(bucket, key);
    await rm(`${file}.meta.json`, { force: true });
    await rm(file, { force: true });
  }

  async listObjects(bucket: string): Promise<ObjectMeta[]> {
    await this.assertBucket(bucket);
    const dir = path.join(this.bucketDir(bucket), "objects");
    const names = (await readdir(dir)).filter((name) => name.endsWith(".meta.json"));
    const metas = await Promise.all(
      names.map(async (name) => JSON.parse(await readFile(path.join(dir, name), "utf8")) as ObjectMeta),
    );
    return metas.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async createUpload(
    bucket: string,
    key: string,
    meta: Omit<ObjectMeta, "key" | "size" | "etag" | "lastModified">,
  ) {
    await this.assertBucket(bucket);
    const uploadId = randomUUID();
    const dir = this.uploadDir(bucket, uploadId);
    await mkdir(dir, { recursive: true });
    await writeFile(
      path.join(dir, "upload.json"),
      JSON.stringify({ key, meta, initiated: new Date().toISOString() }),
    );
    return uploadId;
  }

  private async upload(bucket: string, key: string, uploadId: string) {
    const dir = this.uploadDir(bucket, uploadId);
    try {
      const info = JSON.parse(await readFile(path.join(dir, "upload.json"), "utf8"));
      if (info.key !== key) throw new Error("key mismatch");
      return {
        dir,
        info: info as { key: string; meta: Omit<ObjectMeta, "key" | "size" | "etag" | "lastModified"> },
      };
    } catch {
      throw new S3StoreError("NoSuchUpload", 404, "The specified upload does not exist.");
    }
  }

  async listUploads(bucket: string): Promise<{ key: string; uploadId: string; initiated: string }[]> {
    await this.assertBucket(bucket);
    const dir = path.join(this.bucketDir(bucket), "uploads");
    const ids = await readdir(dir);
    const uploads = await Promise.all(
      ids.map(async (uploadId) => {
        try {
          const info = JSON.parse(await readFile(path.join(dir, uploadId, "upload.json"), "utf8"));
          return { key: info.key as string, uploadId, initiated: info.initiated as string };
        } catch {
          return undefined;
        }
      }),
    );
    return uploads
      .filter((u) => u !== undefined)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Readable) {
    const { dir } = await this.upload(bucket, key, uploadId);
    const file = path.join(dir, `part-${String(partNumber).padStart(5, "0")}`);
    const { size, md5 } = await writeHashed(body, `${file}.${randomUUID()}.tmp`, file);
    await writeFile(
      `${file}.json`,
      JSON.stringify({ size, etag: `"${md5}"`, lastModified: new Date().toISOString() }),
    );
    return `"${md5}"`;
  }

  async listParts(bucket: string, key: string, uploadId: string) {
    const { dir } = await this.upload(bucket, key, uploadId);
    const names = (await readdir(dir)).filter((name) => /^part-\d{5}\.json$/.test(name)).sort();
    return Promise.all(
      names.map(async (name) => ({
        partNumber: Number(name.slice(5, 10)),
        ...(JSON.parse(await readFile(path.join(dir, name), "utf8")) as {
          size: number;
          etag: string;
          lastModified: string;
        }),
      })),
    );
  }

  async completeUpload(
    bucket: string,
    key: string,
    uploadId: string,
    parts: { partNumber: number; etag: string }[],
  ) {
    const { dir, info } = await this.upload(bucket, key, uploadId);
    const stored = new Map((await this.listParts(bucket, key, uploadId)).map((p) => [p.partNumber, p]));
    if (parts.length === 0) throw new S3StoreError("MalformedXML", 400, "no parts given");
    const combined = createHash("md5");
    const files: string[] = [];
    let previous = 0;
    for (const part of parts) {
      const have = stored.get(part.partNumber);
      if (!have || have.etag.replace(/"/g, "") !== part.etag.replace(/"/g, "")) {
        throw new S3StoreError("InvalidPart", 400, `part ${part.partNumber} is missing or its ETag differs`);
      }
      if (part.partNumber <= previous) throw new S3StoreError("InvalidPartOrder", 400, "parts must ascend");
      previous = part.partNumber;
      combined.update(Buffer.from(have.etag.replace(/"/g, ""), "hex"));
      files.push(path.join(dir, `part-${String(part.partNumber).padStart(5, "0")}`));
    }
    const target = this.objectPath(bucket, key);
    const temp = `${target}.${randomUUID()}.tmp`;
    let size = 0;
    for (const file of files) size += (await stat(file)).size;
    // One pipeline from all parts in order (a pipeline per part onto one write stream left
    // each part's listeners on it: MaxListenersExceededWarning beyond ten parts).
    async function* partsInOrder() {
      for (const file of files) yield* createReadStream(file);
    }
    await pipeline(partsInOrder, createWriteStream(temp));
    await rename(temp, target);
    const etag = `"${combined.digest("hex")}-${parts.length}"`;
    await this.writeMeta(bucket, key, { ...info.meta, size, etag });
    await rm(dir, { recursive: true, force: true });
    return etag;
  }

  async abortUpload(bucket: string, key: string, uploadId: string) {
    const { dir } = await this.upload(bucket, key, uploadId);
    await rm(dir, { recursive: true, force: true });
  }
}

async function writeHashed(body: Readable, temp: string, target: string) {
  const hash = createHash("md5");
  let size = 0;
  body.on("data", (chunk: Buffer) => {
    hash.update(chunk);
    size += chunk.length;
  });
  try {
    await pipeline(body, createWriteStream(temp));
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await rename(temp, target);
  return { size, md5: hash.digest("hex") };
}
