/** The local S3 server, driven by the real AWS SDK v3 client (as the farm and @tus/s3-store use it). */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3Client } from "../../shared/storage/s3-client.ts";
import { AwsChunkedDecoder } from "../local/s3/aws-chunked.ts";
import { type LocalS3, startLocalS3 } from "../local/s3/s3-server.ts";

let dir: string;
let server: LocalS3;
let s3: S3Client;
const Bucket = "movio-test";

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "movio-s3-test-"));
  server = await startLocalS3({
    directory: dir,
    port: 0,
    accessKeyId: "key",
    secretAccessKey: "x",
    buckets: [Bucket],
  });
  s3 = createS3Client({
    endpoint: server.endpoint,
    region: "us-east-1",
    accessKeyId: "key",
    secretAccessKey: "x",
    forcePathStyle: true,
  });
});

afterAll(async () => {
  s3.destroy();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe("local S3 server", () => {
  it("serves a whole version of an object that is overwritten while it is read (a growing manifest)", async () => {
    // Each version is longer than the one before and ends with its own marker: a reader that
    // got the new body cut at the old length (or a half-written meta) would see no marker.
    const Key = "growing/live-manifest.mpd";
    const version = (n: number) => `${"x".repeat(200 + n * 37)}<end ${n}>`;
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: version(0) }));
    let writing = true;
    const writer = (async () => {
      for (let n = 1; n <= 150; n++) await s3.send(new PutObjectCommand({ Bucket, Key, Body: version(n) }));
      writing = false;
    })();
    const bodies: string[] = [];
    const reader = async () => {
      while (writing) {
        const object = await s3.send(new GetObjectCommand({ Bucket, Key }));
        bodies.push(await object.Body!.transformToString());
      }
    };
    await Promise.all([writer, reader(), reader()]);
    expect(bodies.length).toBeGreaterThan(20);
    for (const body of bodies) {
      const n = Number(/<end (\d+)>$/.exec(body)?.[1]);
      expect(body, `a read of ${body.length} bytes`).toBe(version(n));
    }
  });

  it("stores, reads back (whole and by range), describes and deletes objects", async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: "a/b c/ü.txt",
        Body: "hello world",
        ContentType: "text/plain",
        CacheControl: "max-age=5",
        Metadata: { origin: "test" },
      }),
    );
    const whole = await s3.send(new GetObjectCommand({ Bucket, Key: "a/b c/ü.txt" }));
    expect(await whole.Body?.transformToString()).toBe("hello world");
    expect(whole.ContentType).toBe("text/plain");
    expect(whole.CacheControl).toBe("max-age=5");
    expect(whole.Metadata).toEqual({ origin: "test" });
    const part = await s3.send(new GetObjectCommand({ Bucket, Key: "a/b c/ü.txt", Range: "bytes=6-" }));
    expect(await part.Body?.transformToString()).toBe("world");
    expect(part.ContentRange).toBe("bytes 6-10/11");
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: "a/b c/ü.txt" }));
    expect(head.ContentLength).toBe(11);
    expect(head.ETag).toBe('"5eb63bbbe01eeed093cb22bb8f5acdc3"');
    await s3.send(new DeleteObjectCommand({ Bucket, Key: "a/b c/ü.txt" }));
    await expect(s3.send(new HeadObjectCommand({ Bucket, Key: "a/b c/ü.txt" }))).rejects.toMatchObject({
      name: "NotFound",
    });
    await expect(s3.send(new GetObjectCommand({ Bucket, Key: "missing" }))).rejects.toMatchObject({
      name: "NoSuchKey",
    });
  });

  it("keeps keys with ../ inside the bucket", async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: "../../escape", Body: "x" }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: "../" }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(["../../escape"]);
  });

  it("lists with prefix, delimiter and continuation tokens", async () => {
    for (const key of ["l/1", "l/2", "l/3", "l/sub/4", "l/sub/5", "m/6"])
      await s3.send(new PutObjectCommand({ Bucket, Key: key, Body: key }));
    const grouped = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: "l/", Delimiter: "/" }));
    expect(grouped.Contents?.map((c) => c.Key)).toEqual(["l/1", "l/2", "l/3"]);
    expect(grouped.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["l/sub/"]);
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket, Prefix: "l/", MaxKeys: 2, ContinuationToken: token }),
      );
      keys.push(...(page.Contents ?? []).map((c) => c.Key ?? ""));
      token = page.NextContinuationToken;
    } while (token);
    expect(keys).toEqual(["l/1", "l/2", "l/3", "l/sub/4", "l/sub/5"]);
    await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }));
    expect((await s3.send(new ListObjectsV2Command({ Bucket, Prefix: "l/" }))).KeyCount).toBe(0);
  });

  it("copies objects", async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: "src", Body: "copy me", ContentType: "text/vtt" }));
    await s3.send(new CopyObjectCommand({ Bucket, Key: "dst", CopySource: `${Bucket}/src` }));
    const copy = await s3.send(new GetObjectCommand({ Bucket, Key: "dst" }));
    expect(await copy.Body?.transformToString()).toBe("copy me");
    expect(copy.ContentType).toBe("text/vtt");
  });

  it("runs the multipart API: create, upload parts, list parts, complete; abort discards", async () => {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket, Key: "big.bin", ContentType: "video/mp4" }),
    );
    const chunks = [Buffer.alloc(5 * 1024 * 1024, 1), Buffer.alloc(1234, 2)];
    const etags: string[] = [];
    for (const [i, chunk] of chunks.entries()) {
      const out = await s3.send(
        new UploadPartCommand({ Bucket, Key: "big.bin", UploadId, PartNumber: i + 1, Body: chunk }),
      );
      etags.push(out.ETag ?? "");
    }
    const parts = await s3.send(new ListPartsCommand({ Bucket, Key: "big.bin", UploadId }));
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, 5 * 1024 * 1024],
      [2, 1234],
    ]);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: "big.bin",
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    expect(done.ETag).toMatch(/-2"$/);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: "big.bin" }));
    expect(head.ContentLength).toBe(5 * 1024 * 1024 + 1234);
    expect(head.ContentType).toBe("video/mp4");
    const tail = await s3.send(new GetObjectCommand({ Bucket, Key: "big.bin", Range: "bytes=-2" }));
    expect([...(await tail.Body!.transformToByteArray())]).toEqual([2, 2]);

    const second = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: "gone.bin" }));
    const open = await s3.send(new ListMultipartUploadsCommand({ Bucket }));
    expect(open.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([["gone.bin", second.UploadId]]);
    expect(open.Uploads?.[0]?.Initiated?.getTime()).toBeGreaterThan(Date.now() - 60_000);
    await s3.send(
      new UploadPartCommand({ Bucket, Key: "gone.bin", UploadId: second.UploadId, PartNumber: 1, Body: "x" }),
    );
    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: "gone.bin", UploadId: second.UploadId }));
    await expect(
      s3.send(new ListPartsCommand({ Bucket, Key: "gone.bin", UploadId: second.UploadId })),
    ).rejects.toMatchObject({
      name: "NoSuchUpload",
    });
  });

  it("refuses an unknown access key", async () => {
    const stranger = createS3Client({
      endpoint: server.endpoint,
      region: "us-east-1",
      accessKeyId: "other",
      secretAccessKey: "x",
      forcePathStyle: true,
    });
    await expect(stranger.send(new GetObjectCommand({ Bucket, Key: "dst" }))).rejects.toMatchObject({
      name: "InvalidAccessKeyId",
    });
    stranger.destroy();
  });

  it("decodes aws-chunked bodies (SigV4 streaming uploads)", async () => {
    const encoded =
      "5;chunk-signature=abc\r\nhello\r\n6;chunk-signature=def\r\n world\r\n0;chunk-signature=0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n";
    const chunks: Buffer[] = [];
    // Fed in awkward 3-byte pieces to exercise the boundaries.
    const pieces = Array.from({ length: Math.ceil(encoded.length / 3) }, (_, i) =>
      Buffer.from(encoded.slice(i * 3, i * 3 + 3)),
    );
    for await (const chunk of Readable.from(pieces).pipe(new AwsChunkedDecoder()))
      chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe("hello world");
  });
});
