/**
 * The watch page on a video that is still encoding, in Chromium against the whole local stack
 * (started as `npm start` does): the owner uploads a 60 s 720p clip through tus and opens
 * `/watch/:id` as soon as the API says it is playable. While the row is still `processing` the
 * page must say "Still processing (N%)", play the growing stream from 0 (not the encoder's edge)
 * and go on playing — waiting at the edge, never an error overlay or a console error. Once the
 * API says `ready`, the same page load (a marker set on `window` survives) drops the notice and
 * knows the whole duration (the source's), and a seek to near the end plays there.
 * Screenshots: test-artifacts/web/watch-growing-{processing,ready}-<width>.png.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchChromium } from "./support/chromium.ts";
import { screenshotBoth } from "./support/page-checks.ts";
import { type RunningStack, startRunningStack } from "./support/running-stack.ts";
import { uploadWithTus } from "./support/tus-upload.ts";

const EMAIL = "early-viewer@example.com";
const PASSWORD = "a long enough password";
/** Long enough that the page plays several seconds before the ladder is done. */
const SECONDS = 60;

let stack: RunningStack | undefined;
let browser: Browser | undefined;
let dir = "";
let source = "";

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "movio-watch-growing-"));
  source = path.join(dir, "growing-clip.mp4");
  execFileSync("ffmpeg", [
    ...["-loglevel", "error", "-f", "lavfi", "-i", `testsrc2=size=1280x720:rate=30:duration=${SECONDS}`],
    ...["-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000:duration=${SECONDS}`],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-crf", "23", "-c:a", "aac", "-shortest", source],
  ]);
  [stack, browser] = await Promise.all([
    startRunningStack(),
    launchChromium(["--autoplay-policy=no-user-gesture-required"]),
  ]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

interface ApiVideo {
  status: string;
  progress: number;
  playable: boolean;
  durationMs: number | null;
  error: { message: string } | null;
}

interface Player {
  marker: string | undefined;
  currentTime: number;
  duration: number;
  seekableEnd: number;
  paused: boolean;
  ended: boolean;
  mediaError: string | null;
  note: { hidden: boolean; text: string };
  message: { hidden: boolean; text: string };
  /** The page's own "played / length" label. */
  time: string;
}

/** The page as the viewer sees it: the <video>, the processing notice and the error overlay. */
async function player(page: Page): Promise<Player> {
  return page.evaluate(() => {
    type El = { hidden: boolean; textContent: string | null };
    const g = globalThis as unknown as {
      movioTestMarker?: string;
      document: {
        getElementById(id: string): El;
        querySelector(s: string): {
          currentTime: number;
          duration: number;
          seekable: { length: number; end(i: number): number };
          paused: boolean;
          ended: boolean;
          error: { message: string } | null;
        };
      };
    };
    const video = g.document.querySelector("video");
    const note = g.document.getElementById("processing-note");
    const message = g.document.getElementById("message");
    return {
      marker: g.movioTestMarker,
      currentTime: video.currentTime,
      duration: video.duration,
      seekableEnd: video.seekable.length > 0 ? video.seekable.end(video.seekable.length - 1) : 0,
      paused: video.paused,
      ended: video.ended,
      mediaError: video.error ? video.error.message || "media error" : null,
      note: { hidden: note.hidden, text: note.textContent ?? "" },
      message: { hidden: message.hidden, text: message.textContent ?? "" },
      time: g.document.getElementById("time").textContent ?? "",
    };
  });
}

/** Polls `check`; on a timeout, says what the page looked like (and the stack's last words). */
async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  page?: Page,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) {
      const seen = page ? `\npage: ${JSON.stringify(await player(page).catch((e) => String(e)))}` : "";
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${seen}\n${stack?.output().slice(-3000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function seek(page: Page, to: number): Promise<void> {
  await page.evaluate((t) => {
    const g = globalThis as unknown as {
      document: { querySelector(s: string): { currentTime: number; play(): Promise<void> } };
    };
    const video = g.document.querySelector("video");
    video.currentTime = t;
    void video.play().catch(() => undefined);
  }, to);
}

it("the owner watches a video while it encodes, from 0, and it becomes the whole video without a reload", async () => {
  if (!stack || !browser) throw new Error("the stack did not start");
  const edge = stack.edge;
  const signup = await fetch(`${edge}/api/v1/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD, displayName: "Early Viewer" }),
  });
  expect(signup.status).toBe(201);
  const { accessToken } = (await signup.json()) as { accessToken: string };
  const auth = { authorization: `Bearer ${accessToken}`, "content-type": "application/json" };
  const created = await fetch(`${edge}/api/v1/videos`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ title: "Growing test pattern", visibility: "private" }),
  });
  expect(created.status).toBe(201);
  const { video, upload } = (await created.json()) as {
    video: { id: string };
    upload: { endpoint: string; token: string };
  };
  const getVideo = async () =>
    (await (await fetch(`${edge}/api/v1/videos/${video.id}`, { headers: auth })).json()) as ApiVideo;

  // The owner is signed in in the browser (a private video: only they may watch it).
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  // What goes wrong on the watch page (the login page's 401 from the session check before
  // signing in is expected; the app has no favicon, which Chromium asks for on its own).
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !msg.location().url.endsWith("/favicon.ico"))
      problems.push(`console error: ${msg.text()} (${msg.location().url})`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400 && !r.url().endsWith("/favicon.ico"))
      problems.push(`HTTP ${r.status()} ${r.url()} on ${page.url()}`);
  });
  try {
    await page.goto(`${edge}/login`);
    await page.getByLabel("Email").fill(EMAIL);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${edge}/`);

    const bytes = await readFile(source);
    await uploadWithTus(upload, bytes);
    const uploaded = Date.now();
    let row = await getVideo();
    await until(
      "the video to be playable",
      async () => {
        row = await getVideo();
        if (row.status === "failed") throw new Error(`processing failed: ${row.error?.message}`);
        return row.playable;
      },
      60_000,
    );
    console.log(`playable ${((Date.now() - uploaded) / 1000).toFixed(1)} s after the upload's last byte`);
    expect(row.status, "the encode finished before the page could open: make the clip longer").toBe(
      "processing",
    );

    problems.length = 0;
    await page.goto(`${edge}/watch/${video.id}`);
    await page.evaluate(() => {
      (globalThis as unknown as { movioTestMarker: string }).movioTestMarker = "same page load";
    });
    await until("the processing notice", async () => !(await player(page)).note.hidden, 15_000, page);
    expect((await player(page)).note.text).toMatch(/^Still processing \(\d+%\)/);

    // Plays from 0, and on, while the row is still processing.
    await until("the first frame", async () => (await player(page)).currentTime > 0, 30_000, page);
    const first = await player(page);
    expect(first.currentTime, "started at the encoder's edge, not at 0").toBeLessThan(2);
    await until("a few seconds played", async () => (await player(page)).currentTime > 4, 30_000, page);
    const processing = await player(page);
    expect((await getVideo()).status, "the encode finished before the page had played 4 s").toBe(
      "processing",
    );
    expect(processing.note.hidden).toBe(false);
    expect(processing.note.text).toMatch(/^Still processing \(\d+%\)/);
    expect(processing.message.hidden, processing.message.text).toBe(true);
    expect(processing.time, "the length encoded so far, said as such").toMatch(/^0:0\d \/ \d:\d\d so far$/);
    expect(processing.mediaError).toBeNull();
    await screenshotBoth(page, "watch-growing-processing");

    // At the encoder's edge: the page waits for more, without an error, and goes on.
    const { seekableEnd } = await player(page);
    expect(seekableEnd, "nothing encoded past the playhead").toBeGreaterThan(processing.currentTime);
    expect(seekableEnd, "the edge is the end: the encode is over").toBeLessThan(SECONDS - 4);
    expect(Number.isFinite(processing.duration), "a finite duration while growing").toBe(false);
    await seek(page, seekableEnd - 0.5);
    await until(
      "playing past the edge it waited at",
      async () => (await player(page)).currentTime > seekableEnd + 2,
      30_000,
      page,
    );
    const pastEdge = await player(page);
    expect(pastEdge.message.hidden, pastEdge.message.text).toBe(true);
    expect(pastEdge.mediaError).toBeNull();
    expect(problems).toEqual([]);

    // Ready: the same page load becomes the whole video.
    await until(
      "the video to be ready",
      async () => {
        row = await getVideo();
        if (row.status === "failed") throw new Error(`processing failed: ${row.error?.message}`);
        return row.status === "ready";
      },
      120_000,
    );
    console.log(`ready ${((Date.now() - uploaded) / 1000).toFixed(1)} s after the upload's last byte`);
    expect(row.durationMs).not.toBeNull();
    expect(Math.abs((row.durationMs ?? 0) / 1000 - SECONDS)).toBeLessThan(0.5);
    await until("the notice to go", async () => (await player(page)).note.hidden, 15_000, page);
    // The finished MPD makes the whole video seekable, and the page's bar as long as the video.
    // (The <video>'s own duration follows once dash.js has buffered the last segment.)
    await until(
      "the whole video seekable",
      async () => Math.abs((await player(page)).seekableEnd - SECONDS) < 0.5,
      30_000,
      page,
    );
    await until(
      "the page's bar to know the length",
      async () => /^\d:\d\d \/ (0:59|1:00)$/.test((await player(page)).time),
      5_000,
      page,
    );
    const whole = await player(page);
    expect(whole.marker, "the page was reloaded").toBe("same page load");
    expect(whole.message.hidden, whole.message.text).toBe(true);

    await seek(page, SECONDS - 3);
    await until(
      "playing near the end",
      async () => {
        const state = await player(page);
        return state.ended || state.currentTime > SECONDS - 1.5;
      },
      30_000,
      page,
    );
    const end = await player(page);
    expect(end.marker).toBe("same page load");
    expect(end.mediaError).toBeNull();
    expect(end.message.hidden, end.message.text).toBe(true);
    await until(
      "the <video> to know the whole duration",
      async () => Math.abs((await player(page)).duration - SECONDS) < 0.5,
      15_000,
      page,
    );
    await seek(page, SECONDS - 3);
    await screenshotBoth(page, "watch-growing-ready");
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
});
