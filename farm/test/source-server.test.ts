/**
 * The loopback source server when storage fails under it (farm/src/transcode/source-server.ts):
 * a read of S3 that breaks off midway is resumed by ffmpeg and the source counts as whole;
 * when storage keeps failing, ffmpeg takes the break for the end of the file and exits 0 with
 * the copy cut short, and `assertWhole` is what keeps that from being published; a reader
 * that goes away itself is not a break. Real ffmpeg, the real SDK and local S3 behind the
 * fault proxy (resets at the S3 protocol).
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { createS3Client } from "../../shared/storage/s3-client.ts";
import { Ffmpeg } from "../src/media/ffmpeg.ts";
import { locateMediaTools } from "../src/media/ffmpeg-locate.ts";
import { ObjectStorage } from "../src/storage/object-storage.ts";
import { SourceReadBrokenError, serveSource } from "../src/transcode/source-server.ts";
import { httpSourceClip, packetCount } from "./support/http-source-clip.ts";
import { type S3FaultProxy, startS3FaultProxy } from "./support/s3-fault-proxy.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "movio-source-server-"));
const source = httpSourceClip(dir);
const bytes = readFileSync(source);
const key = `test/source-server/${randomUUID()}.mp4`;
const ffmpeg = new Ffmpeg(locateMediaTools({}));

let proxy: S3FaultProxy;
let storage: ObjectStorage;
beforeAll(async () => {
  proxy = await startS3FaultProxy(inject("s3Endpoint"));
  const settings = { region: "us-east-1", accessKeyId: "movio-local", secretAccessKey: "movio-local" };
  const direct = createS3Client({ ...settings, endpoint: inject("s3Endpoint"), forcePathStyle: true });
  await direct.send(new PutObjectCommand({ Bucket: "movio", Key: key, Body: bytes }));
  direct.destroy();
  // No retries of our own: each failed read is one the server sees.
  storage = new ObjectStorage(
    createS3Client({ ...settings, endpoint: proxy.endpoint, forcePathStyle: true }),
    "movio",
    0,
  );
});
beforeEach(() => proxy.clear());
afterAll(async () => {
  storage.client.destroy();
  await proxy.close();
});

const sourceReads = () => ({
  match: (call: { operation: string; key: string }) => call.operation === "GetObject" && call.key === key,
});

/** ffmpeg copies the served source (giving up on storage after `reconnectDelayMax` s of failures). */
async function copyThrough(url: string, output: string, reconnectDelayMax?: number) {
  await ffmpeg.run({
    inputs: [
      {
        path: url,
        access: "source-over-http",
        options: reconnectDelayMax === undefined ? [] : ["-reconnect_delay_max", String(reconnectDelayMax)],
      },
    ],
    outputOptions: ["-map", "0", "-c", "copy", "-f", "mp4"],
    output,
  });
}

describe("the source server when storage fails", () => {
  it("counts the source whole when ffmpeg reads on past a read that broke off: every frame", async () => {
    proxy.inject({
      ...sourceReads(),
      faults: [{ kind: "reset-mid-response", afterBytes: bytes.length >> 1 }],
    });
    const served = await serveSource(storage, key);
    const output = path.join(dir, "resumed.mp4");
    try {
      await copyThrough(served.url, output);
    } finally {
      await served.close();
    }
    expect(proxy.injected).toHaveLength(1); // it did break
    expect(served.requestedOffsets().length).toBeGreaterThan(1); // and ffmpeg asked again
    expect(() => served.assertWhole()).not.toThrow();
    expect(packetCount(output, "v:0")).toBe(packetCount(source, "v:0"));
    expect(packetCount(output, "a:0")).toBe(packetCount(source, "a:0"));
  });

  it("throws when storage keeps failing: ffmpeg exits 0 with the copy cut short", async () => {
    const half = bytes.length >> 1;
    proxy.inject({
      ...sourceReads(),
      faults: [
        { kind: "reset-mid-response", afterBytes: half },
        ...Array.from({ length: 40 }, () => ({ kind: "reset" as const })),
      ],
    });
    const served = await serveSource(storage, key);
    const output = path.join(dir, "cut.mp4");
    try {
      await copyThrough(served.url, output, 1); // resolves: ffmpeg takes the break for the end
    } finally {
      await served.close();
    }
    expect(packetCount(output, "v:0")).toBeLessThan(packetCount(source, "v:0") * 0.75);
    let thrown: unknown;
    try {
      served.assertWhole();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(SourceReadBrokenError);
    const [at] = (thrown as SourceReadBrokenError).offsets;
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThanOrEqual(half);
    expect((thrown as Error).message).toMatch(/broke off at byte \d+ and never resumed/);
  });

  it("does not count a reader that goes away itself as a break", async () => {
    const served = await serveSource(storage, key);
    try {
      const stop = new AbortController();
      const response = await fetch(served.url, { headers: { range: "bytes=0-" }, signal: stop.signal });
      const reader = response.body!.getReader();
      await reader.read(); // some bytes, then it leaves (as ffmpeg does when it seeks)
      stop.abort();
      await reader.read().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 200)); // the server sees it go
      expect(() => served.assertWhole()).not.toThrow();
      // A whole read of a range afterwards: the server still serves.
      const tail = await fetch(served.url, { headers: { range: `bytes=${bytes.length - 1000}-` } });
      expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 1000))).toBe(true);
    } finally {
      await served.close();
    }
  });
});
