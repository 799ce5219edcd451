/**
 * ffmpeg reading a source over HTTP (the loopback server in front of S3), through the farm's
 * one door to it (Ffmpeg.run): only ffmpeg reads it, once — no hidden ffprobe of the source
 * beside it, whitelists and all — and a stream that drops midway is read on from where it
 * stopped, so the output is whole instead of cut short. Real ffmpeg; a real HTTP range server
 * that records every request and, when asked to, drops the response read across the middle
 * of the file once.
 */
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Ffmpeg } from "../src/media/ffmpeg.ts";
import { locateMediaTools } from "../src/media/ffmpeg-locate.ts";
import { httpSourceClip, packetCount } from "./support/http-source-clip.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "movio-http-source-"));
const source = httpSourceClip(dir);
const bytes = readFileSync(source);

/**
 * Serves `bytes` with ranges. Once, the response a client reads across the middle of the file
 * stops there: the bytes before it sent, then the connection destroyed (an S3 stream that failed).
 */
function rangeServer() {
  let dropArmed = false;
  const half = Math.floor(bytes.length / 2);
  const requests: number[] = [];
  const drops: number[] = [];
  const server = http.createServer((req, res) => {
    const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    const start = match ? Number(match[1]) : 0;
    const end = match?.[2] ? Number(match[2]) : bytes.length - 1;
    requests.push(start);
    res.writeHead(match ? 206 : 200, {
      "accept-ranges": "bytes",
      "content-length": String(end - start + 1),
      ...(match ? { "content-range": `bytes ${start}-${end}/${bytes.length}` } : {}),
    });
    if (req.method === "HEAD") return void res.end();
    if (!dropArmed || drops.length > 0 || start >= half || end < half) {
      return void res.end(bytes.subarray(start, end + 1));
    }
    // Flushed without error: the client read on to the middle (one that went away errors here).
    res.write(bytes.subarray(start, half), (err) => {
      if (err || drops.length > 0) return;
      drops.push(half);
      res.destroy();
    });
  });
  return {
    server,
    requests,
    drops,
    /** From now on, drop the next response read across the middle (once). */
    armDrop: () => {
      dropArmed = true;
    },
  };
}

const { server, requests, drops, armDrop } = rangeServer();
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/source`;
const ffmpeg = new Ffmpeg(locateMediaTools({}));

describe("a source read over HTTP", () => {
  it("is read by ffmpeg alone, once, with its progress reported", async () => {
    const progress: number[] = [];
    requests.length = 0;
    await ffmpeg.run({
      inputs: [{ path: url(), access: "source-over-http" }],
      outputOptions: ["-map", "0", "-c", "copy", "-f", "mp4"],
      output: path.join(dir, "once.mp4"),
      onProgress: (seconds) => progress.push(seconds),
    });
    // One request from byte 0 (the index is first): no second reader of the source.
    expect(requests).toEqual([0]);
    expect(progress.length).toBeGreaterThan(0);
    expect(Math.max(...progress)).toBeGreaterThan(7);
  });

  it("whose stream drops midway is read on from there: every frame comes out", async () => {
    const output = path.join(dir, "copy.mp4");
    requests.length = 0;
    armDrop();
    await ffmpeg.run({
      inputs: [{ path: url(), access: "source-over-http" }],
      outputOptions: ["-map", "0", "-c", "copy", "-f", "mp4"],
      output,
    });
    // The stream dropped in the middle, and ffmpeg asked for the rest from there.
    expect(drops).toHaveLength(1);
    expect(
      requests.some((start) => start > 0 && start <= drops[0]!),
      `requests from ${requests}`,
    ).toBe(true);
    expect(packetCount(output, "v:0")).toBe(packetCount(source, "v:0"));
    expect(packetCount(output, "a:0")).toBe(packetCount(source, "a:0"));
    expect(statSync(output).size).toBeGreaterThan(bytes.length * 0.9);
  });
});
