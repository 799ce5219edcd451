/**
 * The local S3 server answers only requests signed the way the AWS SDK signs (SigV4 in the
 * Authorization header) with its keys, addressed to 127.0.0.1: what a web page can send —
 * plain fetches, form posts, presigned-looking URLs, or signed requests under a rebound host
 * name — is refused with S3's XML errors and changes nothing.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3ClientConfig } from "../../shared/storage/s3-client.ts";
import { type LocalS3, startLocalS3 } from "../local/s3/s3-server.ts";

/** The parts of the SDK's outgoing HTTP request these tests look at or change. */
interface WireRequest {
  path: string;
  headers: Record<string, string>;
}

const Bucket = "movio";
const Key = "media/v1/1-aaaa/manifest.mpd";
let dir: string;
let server: LocalS3;
let s3: S3Client;

function client(
  overrides: { secretAccessKey?: string; systemClockOffset?: number; checksums?: boolean } = {},
) {
  return new S3Client({
    ...s3ClientConfig({
      endpoint: server.endpoint,
      region: "us-east-1",
      accessKeyId: "movio-local",
      secretAccessKey: overrides.secretAccessKey ?? "local-secret",
      forcePathStyle: true,
    }),
    ...(overrides.checksums ? { requestChecksumCalculation: "WHEN_SUPPORTED" as const } : {}),
    systemClockOffset: overrides.systemClockOffset ?? 0,
    maxAttempts: 1, // the SDK would otherwise correct its clock from our Date header and retry
  });
}

/** The code and message of an S3 XML error body. */
async function s3Error(res: Response) {
  const xml = await res.text();
  return { status: res.status, code: /<Code>([^<]*)<\/Code>/.exec(xml)?.[1], xml };
}

async function stillThere() {
  const head = await s3.send(new HeadObjectCommand({ Bucket, Key }));
  return head.ContentLength === 5;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "movio-s3-sig-test-"));
  server = await startLocalS3({
    directory: dir,
    port: 0,
    accessKeyId: "movio-local",
    secretAccessKey: "local-secret",
    buckets: [Bucket],
  });
  s3 = client();
  await s3.send(new PutObjectCommand({ Bucket, Key, Body: "<MPD>" }));
});

afterAll(async () => {
  s3.destroy();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe("local S3 signatures", () => {
  it("refuses unsigned requests with AccessDenied: plain fetches and form-style posts change nothing", async () => {
    const url = `${server.endpoint}/${Bucket}/${Key}`;
    expect(await s3Error(await fetch(url, { method: "DELETE" }))).toMatchObject({
      status: 403,
      code: "AccessDenied",
    });
    expect(await s3Error(await fetch(url))).toMatchObject({ status: 403, code: "AccessDenied" });
    // What a cross-site <form> or no-cors fetch can send: a "simple" POST, no custom headers.
    const post = await fetch(`${server.endpoint}/${Bucket}?delete`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: `<Delete><Object><Key>${Key}</Key></Object></Delete>`,
    });
    expect(await s3Error(post)).toMatchObject({ status: 403, code: "AccessDenied" });
    const presigned = await fetch(
      `${url}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=movio-local%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=${"0".repeat(64)}`,
      { method: "DELETE" },
    );
    expect(await s3Error(presigned)).toMatchObject({ status: 403, code: "AccessDenied" });
    expect(await stillThere()).toBe(true);
  });

  it("refuses a wrong secret with SignatureDoesNotMatch", async () => {
    const stranger = client({ secretAccessKey: "guessed" });
    await expect(stranger.send(new DeleteObjectCommand({ Bucket, Key }))).rejects.toMatchObject({
      name: "SignatureDoesNotMatch",
      $metadata: { httpStatusCode: 403 },
    });
    stranger.destroy();
    expect(await stillThere()).toBe(true);
  });

  it("binds a signature to its method, path and query: a captured GET cannot be replayed as a DELETE", async () => {
    let captured: WireRequest | undefined;
    const spy = client();
    // After signing (deserialize runs last before the wire), keep the request as sent.
    spy.middlewareStack.add(
      (next) => (args) => {
        captured = args.request as WireRequest;
        return next(args);
      },
      { step: "deserialize" },
    );
    await spy.send(new GetObjectCommand({ Bucket, Key })).then((o) => o.Body?.transformToString());
    spy.destroy();
    const headers = { ...captured!.headers };
    delete headers.host;
    const target = `${server.endpoint}${captured!.path}?x-id=GetObject`;
    expect((await fetch(target, { headers })).status).toBe(200); // the capture itself is valid
    const asDelete = await fetch(target, { method: "DELETE", headers });
    expect(await s3Error(asDelete)).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
    const otherKey = await fetch(`${server.endpoint}/${Bucket}/media/other?x-id=GetObject`, { headers });
    expect(await s3Error(otherKey)).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
    expect(await stillThere()).toBe(true);
  });

  it("allows 15 minutes of clock skew, like AWS, and refuses more with RequestTimeTooSkewed", async () => {
    const slow = client({ systemClockOffset: -14 * 60 * 1000 });
    await expect(slow.send(new HeadObjectCommand({ Bucket, Key }))).resolves.toMatchObject({
      ContentLength: 5,
    });
    slow.destroy();
    const stale = client({ systemClockOffset: -16 * 60 * 1000 });
    await expect(stale.send(new GetObjectCommand({ Bucket, Key }))).rejects.toMatchObject({
      name: "RequestTimeTooSkewed",
    });
    stale.destroy();
  });

  it("refuses correctly signed requests under a foreign host name (DNS rebinding)", async () => {
    const rebound = client();
    rebound.middlewareStack.add(
      (next) => (args) => {
        (args.request as WireRequest).headers.host = `rebind.evil.example:${server.port}`;
        return next(args);
      },
      { step: "build", priority: "high" },
    );
    await expect(rebound.send(new DeleteObjectCommand({ Bucket, Key }))).rejects.toMatchObject({
      name: "AccessDenied",
    });
    rebound.destroy();
    expect(await stillThere()).toBe(true);
  });

  it("accepts the payload hashes the SDK sends: hex digest, UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER", async () => {
    const body = () => Readable.from([Buffer.from("stream"), Buffer.from("ed")]);
    // A stream body without checksums is signed as UNSIGNED-PAYLOAD …
    await s3.send(new PutObjectCommand({ Bucket, Key: "s/unsigned", Body: body(), ContentLength: 8 }));
    // … and with checksums as aws-chunked with a trailer.
    const chunked = client({ checksums: true });
    await chunked.send(new PutObjectCommand({ Bucket, Key: "s/chunked", Body: body(), ContentLength: 8 }));
    chunked.destroy();
    for (const key of ["s/unsigned", "s/chunked"]) {
      const object = await s3.send(new GetObjectCommand({ Bucket, Key: key }));
      expect(await object.Body?.transformToString()).toBe("streamed");
    }
  });
});
