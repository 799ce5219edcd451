/**
 * A video that plays while it is encoded, in a real Chromium: one
 * ffmpeg (the farm's ladder arguments, its input read at real speed with `-re` so the encode
 * lasts as long as the video) writes into a directory the farm's segment publisher watches; the
 * publisher stores segments and growing manifests in the local S3 server; players (hls.js on the
 * HLS playlists, dash.js and Shaka Player on the MPD) fetch them
 * through the local CDN origin (tokens checked, Cache-Control as stored). Each player must start
 * at 0 (not at the encoder's edge) while the encode runs, wait at the edge without an error, and
 * — once the manifests are finished — know the whole duration and seek to its end, on the same
 * page load.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeArgs } from "../../farm/src/media/encode-ladder.ts";
import { Ffmpeg } from "../../farm/src/media/ffmpeg.ts";
import { locateMediaTools } from "../../farm/src/media/ffmpeg-locate.ts";
import { LIVE_DASH, LIVE_HLS, liveMediaPlaylist } from "../../farm/src/media/growing-manifests.ts";
import { planLadder } from "../../farm/src/media/ladder.ts";
import { DASH_MANIFEST } from "../../farm/src/media/published-names.ts";
import { ObjectStorage } from "../../farm/src/storage/object-storage.ts";
import { SegmentPublisher } from "../../farm/src/transcode/segment-publisher.ts";
import { tokenQuery } from "../../shared/playback/gcore-token.ts";
import { createS3Client } from "../../shared/storage/s3-client.ts";
import { type CdnOrigin, startCdnOrigin } from "../local/cdn-origin.ts";
import { type LocalS3, startLocalS3 } from "../local/s3/s3-server.ts";

const SECONDS = 16;
const secret = "growing-test-secret";
const prefix = "media/growing-video/1-abcd1234/";
const root = path.resolve(import.meta.dirname, "../..");

let dir: string;
let s3Server: LocalS3;
let s3: S3Client;
let cdn: CdnOrigin;
let pages: http.Server;
let pagesUrl: string;
let browser: Browser;

const signed = (file: string) =>
  `${cdn.url}/${prefix}${file}?${tokenQuery({ path: `/${prefix}`, expires: Math.floor(Date.now() / 1000) + 3600, secret })}`;

/** The test's player page: hls.js or dash.js on `src`, its state on `window.movioTest`. */
const PLAYER_PAGE = `<!doctype html><meta charset="utf-8"><video muted playsinline></video>
<script src="/player.js"></script>
<script>
const params = new URLSearchParams(location.search);
const video = document.querySelector("video");
const state = { loadId: Math.random(), errors: [], firstPlaying: null, waited: 0 };
window.movioTest = state;
video.addEventListener("playing", () => { if (state.firstPlaying === null) state.firstPlaying = video.currentTime; });
video.addEventListener("waiting", () => { state.waited++; });
video.addEventListener("error", () => state.errors.push("media element: " + (video.error && video.error.message)));
if (params.get("kind") === "hls") {
  const hls = new Hls({ startPosition: 0 });
  hls.on(Hls.Events.ERROR, (_e, data) => { if (data.fatal) state.errors.push("hls.js: " + data.details); });
  hls.loadSource(params.get("src"));
  hls.attachMedia(video);
  video.play().catch(() => {});
} else if (params.get("kind") === "shaka") {
  shaka.polyfill.installAll();
  const player = new shaka.Player();
  // Shaka keeps the media element's duration open-ended after a live stream ends: ask it.
  state.length = () => (player.isLive() ? NaN : player.seekRange().end);
  player.addEventListener("error", (e) => state.errors.push("shaka: " + e.detail.code));
  player.attach(video)
    .then(() => player.load(params.get("src"), 0))
    .then(() => video.play())
    .catch((e) => state.errors.push("shaka: " + (e.code || e.message)));
} else {
  const player = dashjs.MediaPlayer().create();
  player.updateSettings({ streaming: { timeShiftBuffer: { calcFromSegmentTimeline: true } } });
  player.on(dashjs.MediaPlayer.events.ERROR, (e) => state.errors.push("dash.js: " + JSON.stringify(e.error && e.error.message)));
  player.initialize(video, params.get("src"), true, 0);
}
</script>`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "movio-growing-"));
  s3Server = await startLocalS3({
    directory: path.join(dir, "s3"),
    port: 0,
    accessKeyId: "k",
    secretAccessKey: "x",
    buckets: ["movio"],
  });
  s3 = createS3Client({
    endpoint: s3Server.endpoint,
    region: "us-east-1",
    accessKeyId: "k",
    secretAccessKey: "x",
    forcePathStyle: true,
  });
  cdn = await startCdnOrigin({ port: 0, s3, bucket: "movio", tokenSecret: secret });
  const players: Record<string, string> = {
    hls: path.join(root, "node_modules/hls.js/dist/hls.min.js"),
    dash: path.join(root, "node_modules/dashjs/dist/modern/umd/dash.all.min.js"),
    shaka: path.join(root, "node_modules/shaka-player/dist/shaka-player.compiled.js"),
  };
  pages = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://pages");
    if (url.pathname === "/player.js") {
      const kind = new URL(req.headers.referer ?? "http://x/", "http://x").searchParams.get("kind") ?? "";
      void readFile(players[kind] ?? players.dash!).then((body) =>
        res.writeHead(200, { "content-type": "text/javascript" }).end(body),
      );
      return;
    }
    res.writeHead(200, { "content-type": "text/html" }).end(PLAYER_PAGE);
  });
  await new Promise<void>((resolve) => pages.listen(0, "127.0.0.1", resolve));
  pagesUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => pages?.close(resolve));
  await cdn?.close();
  s3?.destroy();
  await s3Server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface PageState {
  loadId: number;
  errors: string[];
  firstPlaying: number | null;
  currentTime: number;
  duration: number;
  seekableEnd: number;
  paused: boolean;
  ended: boolean;
}

async function pageState(page: Page): Promise<PageState> {
  return page.evaluate(() => {
    const g = globalThis as unknown as {
      movioTest: { loadId: number; errors: string[]; firstPlaying: number | null; length?: () => number };
      document: {
        querySelector(s: string): {
          currentTime: number;
          duration: number;
          paused: boolean;
          ended: boolean;
          seekable: { length: number; end(i: number): number };
        };
      };
    };
    const video = g.document.querySelector("video");
    return {
      loadId: g.movioTest.loadId,
      firstPlaying: g.movioTest.firstPlaying,
      errors: [...g.movioTest.errors],
      currentTime: video.currentTime,
      duration: g.movioTest.length ? g.movioTest.length() : video.duration,
      seekableEnd: video.seekable.length > 0 ? video.seekable.end(video.seekable.length - 1) : 0,
      paused: video.paused,
      ended: video.ended,
    };
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

describe("a growing stream", () => {
  it("plays from 0 in hls.js, dash.js and Shaka (DASH) while it is encoded, then seeks to the end once finished", async () => {
    const source = path.join(dir, "source.mp4");
    execFileSync("ffmpeg", [
      ...["-loglevel", "error", "-f", "lavfi", "-i", `testsrc2=size=640x360:rate=30:duration=${SECONDS}`],
      ...["-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000:duration=${SECONDS}`],
      ...["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", source],
    ]);
    const out = path.join(dir, "out");
    await mkdir(out);
    const ladder = planLadder({ width: 640, height: 360, fps: 30 }, 30);
    const info = {
      interlaced: false,
      transfer: "sdr" as const,
      audioStreams: [{ index: 1, languageTag: "eng", title: undefined, isDefault: true, channels: 1 }],
    };
    const stop = new AbortController();
    let firstSegments!: () => void;
    const playable = new Promise<void>((resolve) => {
      firstSegments = resolve;
    });
    const publisher = new SegmentPublisher({
      storage: new ObjectStorage(s3, "movio"),
      outDir: out,
      prefix,
      streams: ladder.rungs.length + 1,
      segmentSeconds: ladder.segmentSeconds,
      audio: [{ lang: "en", label: "English", isDefault: true }],
      availabilityStartTime: new Date(Date.now() - SECONDS * 1000).toISOString(),
      signal: stop.signal,
      onFirstSegments: async () => firstSegments(),
    });
    publisher.start((err) => stop.abort(err));
    let encoding = true;
    const encode = new Ffmpeg(locateMediaTools(process.env))
      .run({
        // -re: the encode takes as long as the video, so players meet the encoder's edge.
        inputs: [{ path: source, options: ["-re"] }],
        outputOptions: encodeArgs({ outDir: out, ladder, info, loudnessTarget: null, threads: 1 }),
        output: path.join(out, DASH_MANIFEST),
        signal: stop.signal,
      })
      .finally(() => {
        encoding = false;
      });
    try {
      await playable;
      // Growing manifests, never cached, the whole ladder declared from the start.
      const media = await fetch(signed(liveMediaPlaylist(0)));
      expect(media.headers.get("cache-control")).toBe("no-store");
      const playlist = await media.text();
      expect(playlist).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");
      expect(playlist).toContain("#EXT-X-START:TIME-OFFSET=0");
      expect(playlist).not.toContain("#EXT-X-ENDLIST");
      const mpd = await fetch(signed(LIVE_DASH));
      expect(mpd.headers.get("cache-control")).toBe("no-store");
      const mpdText = await mpd.text();
      expect(mpdText).toContain('type="dynamic"');
      expect(mpdText.match(/<Representation /g)).toHaveLength(ladder.rungs.length + 1);
      expect((await (await fetch(signed(LIVE_HLS))).text()).match(/#EXT-X-STREAM-INF/g)).toHaveLength(
        ladder.rungs.length,
      );

      // Let the encoder get ahead, so starting at its edge and starting at 0 differ.
      await until("6 s encoded", async () => {
        const text = await (await fetch(signed(liveMediaPlaylist(0)))).text();
        return (text.match(/#EXTINF/g) ?? []).length >= 3;
      });
      const players = await Promise.all(
        ["hls", "dash", "shaka"].map(async (kind) => {
          const page = await browser.newPage();
          const src = signed(kind === "hls" ? LIVE_HLS : LIVE_DASH);
          await page.goto(`${pagesUrl}/?kind=${kind}&src=${encodeURIComponent(src)}`);
          return { kind, page };
        }),
      );
      const loadIds = new Map<string, number>();
      for (const { kind, page } of players) {
        await until(
          `${kind} playing while the encode runs`,
          async () => (await pageState(page)).currentTime > 1,
        );
        const state = await pageState(page);
        expect(encoding, `${kind} played only after the encode`).toBe(true);
        expect(state.errors, kind).toEqual([]);
        expect(state.firstPlaying, `${kind} started at the encoder's edge`).toBeLessThan(1.5);
        loadIds.set(kind, state.loadId);
      }
      // At the encoder's edge: the players wait for more, without an error, and go on.
      for (const { kind, page } of players) {
        const { seekableEnd } = await pageState(page);
        expect(seekableEnd, kind).toBeGreaterThan(3);
        await page.evaluate((to) => {
          const v = (
            globalThis as unknown as { document: { querySelector(s: string): { currentTime: number } } }
          ).document.querySelector("video");
          v.currentTime = to;
        }, seekableEnd - 0.5);
      }
      for (const { kind, page } of players) {
        const from = (await pageState(page)).currentTime;
        await until(`${kind} past the edge it waited at`, async () => {
          const state = await pageState(page);
          return state.currentTime > from + 2 && state.errors.length === 0;
        });
      }

      await encode;
      await publisher.finish();
      const finished = await fetch(signed(liveMediaPlaylist(0)));
      expect(finished.headers.get("cache-control")).toContain("immutable");
      expect(await finished.text()).toMatch(/#EXTINF[\s\S]*#EXT-X-ENDLIST\n$/);
      expect(await (await fetch(signed(LIVE_DASH))).text()).toContain('type="static"');

      // The same page load turns into the whole video: its duration known, seekable to the end.
      for (const { kind, page } of players) {
        await until(`${kind} knows the whole duration`, async () => {
          const { duration } = await pageState(page);
          return Number.isFinite(duration) && Math.abs(duration - SECONDS) < 0.5;
        });
        const { duration } = await pageState(page);
        await page.evaluate((to) => {
          const v = (
            globalThis as unknown as { document: { querySelector(s: string): { currentTime: number } } }
          ).document.querySelector("video");
          v.currentTime = to;
        }, duration - 1.5);
        await until(`${kind} plays to the end`, async () => {
          const state = await pageState(page);
          return state.ended || state.currentTime > duration - 0.6;
        });
        const state = await pageState(page);
        expect(state.loadId, `${kind} reloaded`).toBe(loadIds.get(kind));
        expect(state.errors, kind).toEqual([]);
      }
    } finally {
      stop.abort();
      await encode.catch(() => undefined);
      await publisher.stop();
    }
  });
});
