/**
 * The web app as a new user meets it, in Chromium against the whole local stack (started as
 * `npm start` does): open `/`, sign up through the form, upload a clip with embedded
 * subtitles on `/upload` — reloading the page mid-upload and resuming into the same video —
 * follow the processing to ready, play it with subtitles on, find a word from the subtitles
 * with the header search and land at its second, then in the studio fix a cue, get the
 * subtitles machine-translated (AWS Translate answered by a stand-in), edit the title and
 * delete the video. A second user meets the failures: a file too large for the server, one
 * that is not a video (its reason in words), and uploading again into the same video.
 * Every page is screenshotted at 1280×800 and 390×844 (test-artifacts/web/<name>-<width>.png)
 * and /upload and /studio are checked with axe-core.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { fixtures } from "../../farm/test/support/fixtures.ts";
import { TranslateStandIn } from "../../farm/test/support/translate-stand-in.ts";
import { launchChromium } from "./support/chromium.ts";
import { screenshotBoth, seriousAxeViolations } from "./support/page-checks.ts";
import { type RunningStack, startRunningStack } from "./support/running-stack.ts";
import { startUploadLine, type UploadLine } from "./support/upload-line.ts";

const EMAIL = "newcomer@example.com";
const PASSWORD = "a long enough password";
/** Upload speed while the test reloads mid-upload (bytes/s): slow enough to catch it half-way. */
const THROTTLE = 256 * 1024;
/** A small upload limit, so "too large" can be shown with a small file. */
const MAX_BYTES = 6 * 1024 * 1024;

let stack: RunningStack | undefined;
let browser: Browser | undefined;
let translate: TranslateStandIn | undefined;
/** The browser reaches the farm's tus endpoint through this, so the line can drop mid-upload. */
let line: UploadLine | undefined;
let clipDir = "";
let clipPath = "";

beforeAll(async () => {
  clipDir = await mkdtemp(path.join(os.tmpdir(), "movio-web-clip-"));
  // English SRT (default; "The keeper climbs / the lighthouse" at 2–3 s), French ASS, German PGS.
  clipPath = path.join(clipDir, "lighthouse_keeper-diary.mkv");
  await writeFile(clipPath, fixtures.withSubtitles({ seconds: 6, size: "960x540" }));
  // Machine translation on, answered by a stand-in for AWS Translate ("[es] Hello…").
  translate = await TranslateStandIn.start();
  line = await startUploadLine();
  [stack, browser] = await Promise.all([
    startRunningStack({
      UPLOAD_ENDPOINT: `http://127.0.0.1:${line.port}/files/`,
      AWS_TRANSLATE_ENDPOINT: translate.url,
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "web-test",
      AWS_SECRET_ACCESS_KEY: "web-test-secret",
      UPLOAD_MAX_BYTES: String(MAX_BYTES),
    }),
    launchChromium(["--autoplay-policy=no-user-gesture-required"]),
  ]);
  line.target = stack.ports.FARM_PORT;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await translate?.close();
  await line?.close();
  if (clipDir) await rm(clipDir, { recursive: true, force: true });
}, 60_000);

/** Polls until `check` is true (Playwright's own waits cannot express these conditions typed). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

const valueNow = async (bar: Locator) => Number(await bar.getAttribute("aria-valuenow"));

async function currentTime(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      (
        globalThis as unknown as { document: { querySelector(s: string): { currentTime: number } | null } }
      ).document.querySelector("video")?.currentTime ?? 0,
  );
}

/** Plays the stretch of the first English cue (0.5–1.5 s) until a showing track has an active cue. */
async function cueShowing(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const video = (
      globalThis as unknown as {
        document: {
          querySelector(s: string): {
            currentTime: number;
            paused: boolean;
            play(): Promise<void>;
            pause(): void;
            textTracks: {
              length: number;
              [i: number]: { mode: string; activeCues: { length: number } | null };
            };
          } | null;
        };
      }
    ).document.querySelector("video");
    if (!video) return false;
    for (let i = 0; i < video.textTracks.length; i++) {
      const track = video.textTracks[i];
      if (track?.mode === "showing" && track.activeCues?.length) {
        video.pause();
        return true;
      }
    }
    if (video.currentTime < 0.55 || video.currentTime > 1.4) video.currentTime = 0.6;
    if (video.paused) void video.play();
    return false;
  });
}

/**
 * Screenshots at both sizes, scrolled to the top first: a full-page capture of a scrolled
 * page draws the sticky header where the scroll left it, in the middle of the picture.
 */
async function snap(page: Page, name: string): Promise<void> {
  await page.evaluate(() =>
    (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0),
  );
  await screenshotBoth(page, name);
}

async function signInContext(page: Page, next: RegExp): Promise<void> {
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel("Email").fill(EMAIL);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(next);
}

it("a new user signs up, uploads (resuming after a reload), watches, searches, edits and deletes", async () => {
  if (!stack || !browser) throw new Error("the stack did not start");
  const edge = stack.edge;
  const started = Date.now();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const pageErrors: string[] = [];
  page.on("pageerror", (err) => pageErrors.push(err.message));

  // A new install: the home page says how to start.
  await page.goto(`${edge}/`);
  await expect(page.getByRole("heading", { name: "No videos yet" }).isVisible()).resolves.toBe(true);
  await snap(page, "home-new-install");

  // Sign up through the form, from the header.
  await page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Sign up" }).click();
  await page.waitForURL(`${edge}/signup`);
  await page.getByLabel("Display name").fill("Nell Newcomer");
  await page.getByLabel("Email").fill(EMAIL);
  await page.getByLabel("Password").fill(PASSWORD);
  await snap(page, "signup-filled");
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForURL(`${edge}/`);
  await page.locator("#account-name", { hasText: "Nell Newcomer" }).waitFor();

  // Upload, throttled so the reload below happens half-way.
  await page.getByRole("link", { name: "Upload", exact: true }).click();
  await page.waitForURL(`${edge}/upload`);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  const throttle = (uploadThroughput: number) =>
    cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput,
    });
  await throttle(THROTTLE);
  // The page script wires the file input once the session is restored: choose the file after.
  await page.locator("body[data-page-ready]").waitFor({ state: "attached" });
  await page.locator("#file").setInputFiles(clipPath);
  // The title comes from the file name; the rest is the user's.
  await expect
    .poll(() => page.getByLabel("Title", { exact: true }).inputValue())
    .toBe("Lighthouse keeper diary");
  await page.getByLabel("Description").fill("A test pattern with subtitles about a lighthouse keeper.");
  await page.getByLabel("Visibility").selectOption("public");
  await page.getByLabel("Spoken language").selectOption("en");
  await page.getByRole("group", { name: "Translate the subtitles into" }).getByLabel("Spanish").check();
  await snap(page, "upload-form");
  const created = page.waitForResponse((r) => r.url().endsWith("/api/v1/videos") && r.status() === 201);
  await page.getByRole("button", { name: "Upload", exact: true }).click();
  const videoId = ((await (await created).json()) as { video: { id: string } }).video.id;
  const bar = page.locator("#upload-bar");
  await until("the upload to pass 10%", async () => (await valueNow(bar)) >= 10, 30_000);

  // Pause and resume with the buttons.
  await page.getByRole("button", { name: "Pause" }).click();
  await page.locator("#upload-status", { hasText: "Paused" }).waitFor();
  await snap(page, "upload-paused");
  await page.getByRole("button", { name: "Resume" }).click();
  // The connection drops for a moment: the page says so, retries, and carries on by itself.
  await until("the upload to pass 15%", async () => (await valueNow(bar)) >= 15, 30_000);
  line!.drop(2500);
  await page.locator("#upload-status", { hasText: "dropped" }).waitFor();
  await snap(page, "upload-dropped");
  const before = await valueNow(bar);
  await until("the upload to move on after the drop", async () => (await valueNow(bar)) > before + 3, 30_000);
  await until("the upload to pass 25%", async () => (await valueNow(bar)) >= 25, 30_000);
  expect(await page.locator("#upload-speed").textContent()).toMatch(/\/s$/);
  expect(await page.locator("#upload-eta").textContent()).toMatch(/left$/);
  await snap(page, "upload-progress");

  // Reload mid-upload: the page lists the unfinished upload; the same file continues it.
  const patches: { url: string; offset: number }[] = [];
  page.on("request", (request) => {
    if (request.method() === "PATCH" && request.url().includes("/files/")) {
      patches.push({ url: request.url(), offset: Number(request.headers()["upload-offset"]) });
    }
  });
  await page.reload();
  const unfinished = page.locator(`.unfinished-item[data-video-id="${videoId}"]`);
  await unfinished.waitFor();
  expect(await unfinished.textContent()).toContain("Lighthouse keeper diary");
  await snap(page, "upload-unfinished");
  await throttle(THROTTLE);
  await page.locator("#file").setInputFiles(clipPath);
  await until("a PATCH that continues from the stored offset", async () => patches.length > 0, 30_000);
  expect(patches[0]!.url).toMatch(new RegExp(`/files/${videoId}$`));
  expect(patches[0]!.offset).toBeGreaterThan(0);
  expect(await page.locator("#upload-title").textContent()).toBe("Continuing “Lighthouse keeper diary”");
  await throttle(-1);

  // Processing, live, to ready; then the link to watch.
  await page.locator("#processing-panel").waitFor({ state: "visible", timeout: 60_000 });
  const watch = page.getByRole("link", { name: "Watch it" });
  await watch.waitFor({ state: "visible", timeout: 120_000 });
  expect(await watch.getAttribute("href")).toBe(`/watch/${videoId}`);
  await snap(page, "upload-ready");

  // Play it, subtitles off then on: a cue shows.
  await watch.click();
  await page.waitForURL(`${edge}/watch/${videoId}`);
  await page.waitForFunction(() => (globalThis as unknown as { movio: { ready: boolean } }).movio.ready);
  await until("playback", async () => (await currentTime(page)) > 0.3, 30_000);
  await page.getByLabel("Subtitles").selectOption({ label: "Off" });
  await page.getByLabel("Subtitles").selectOption({ label: "English" });
  await until("an English cue on screen", () => cueShowing(page), 20_000);
  await snap(page, "watch-owner");

  // The header search finds a word said in the subtitles and opens the video at that second.
  await page.getByLabel("Search videos").fill("lighthouse");
  await page.getByLabel("Search videos").press("Enter");
  await page.waitForURL(/\/search\?q=lighthouse/);
  const moment = page.locator(`.matches a[href="/watch/${videoId}?t=2"]`).first();
  await moment.waitFor({ timeout: 10_000 }).catch(async (err: Error) => {
    throw new Error(`${err.message}\nthe search page says: ${await page.locator("main").textContent()}`);
  });
  expect(await moment.textContent()).toMatch(/^at 0:02/);
  await snap(page, "search-subtitle-hit");
  await moment.click();
  await page.waitForURL(`${edge}/watch/${videoId}?t=2`);
  await until("playback from the hit", async () => (await currentTime(page)) > 0, 30_000);
  expect(await currentTime(page)).toBeGreaterThanOrEqual(1.9);

  // The owner's links on the watch page open the studio on this video's subtitles.
  await page.getByRole("link", { name: "Subtitles" }).click();
  await page.waitForURL(`${edge}/studio#subtitles-${videoId}`);
  const subtitles = page.locator(`#subtitles-${videoId}`);
  await until("the subtitles panel open", async () => (await subtitles.getAttribute("open")) !== null);
  const english = subtitles.locator('tr[data-track="en:embedded"]');
  await english.waitFor();
  expect(await english.textContent()).toContain("Ready");
  await expect(subtitles.locator('tr[data-track="de:embedded"]').textContent()).resolves.toContain(
    "Unsupported",
  );
  // Fix a cue.
  await english.getByRole("button", { name: /Fix cues/ }).click();
  const firstCue = subtitles.locator('.cue[data-index="0"]');
  await firstCue.getByRole("button", { name: /Edit the cue/ }).click();
  await firstCue.getByLabel("Text").fill("Hello brave <i>world</i> & friends");
  await snap(page, "studio-subtitles");
  await firstCue.getByRole("button", { name: "Save cue" }).click();
  await subtitles.locator(".cue-text", { hasText: "Hello brave world & friends" }).waitFor();
  // The Spanish asked for at upload, and a German one asked for here, both machine-translated.
  const machine = (lang: string) => subtitles.locator(`tr[data-track="${lang}:machine"]`);
  await machine("es").locator(".badge", { hasText: "Ready" }).waitFor({ timeout: 30_000 });
  await subtitles.getByLabel("From").selectOption("en");
  await subtitles.getByLabel("Into").selectOption("de");
  await subtitles.getByRole("button", { name: "Translate", exact: true }).click();
  await machine("de").waitFor();
  await machine("de").locator(".badge", { hasText: "Ready" }).waitFor({ timeout: 30_000 });
  expect(translate?.answered.some((r) => r.target === "de")).toBe(true);

  // "Edit" opens the details form; a new title is saved.
  await page.goto(`${edge}/watch/${videoId}`);
  await page.getByRole("link", { name: "Edit" }).click();
  await page.waitForURL(`${edge}/studio#video-${videoId}`);
  const item = page.locator(`#video-${videoId}`);
  const title = item.getByLabel("Title", { exact: true });
  await title.waitFor();
  await until("the title field focused", () => title.evaluate((el) => el === el.ownerDocument.activeElement));
  await title.fill("The lighthouse keeper's diary");
  await item.getByRole("button", { name: "Save" }).click();
  await item.locator(".form-status", { hasText: "Saved." }).waitFor();
  expect(await item.locator("h2").textContent()).toContain("The lighthouse keeper's diary");
  await snap(page, "studio-edit");

  // axe-core on the two pages this test covers, signed in (a fresh context logs in first).
  const violations = [
    ...(await seriousAxeViolations(browser, `${edge}/upload`, (p) => signInContext(p, /\/upload$/))),
    ...(await seriousAxeViolations(browser, `${edge}/studio#subtitles-${videoId}`, async (p) => {
      await signInContext(p, /\/studio#subtitles-/);
      await p.locator(`#subtitles-${videoId} tr[data-track="en:embedded"]`).waitFor();
    })),
  ];
  expect(violations).toEqual([]);

  // Delete, with a confirmation.
  await item.getByRole("button", { name: "Delete “The lighthouse keeper's diary”" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  await snap(page, "studio-delete-dialog");
  await dialog.getByRole("button", { name: "Delete video" }).click();
  await item.waitFor({ state: "detached" });
  await page.getByRole("heading", { name: "No videos yet" }).waitFor();
  await snap(page, "studio-empty");
  const gone = await page.request.get(`${edge}/api/v1/videos/${videoId}`);
  expect(gone.status()).toBe(404);

  expect(pageErrors).toEqual([]);
  console.log(`web journey took ${Math.round((Date.now() - started) / 1000)} s after the stack was up`);
});

it("a file that is not a video fails with the reason in words; the studio uploads again into the same video", async () => {
  if (!stack || !browser) throw new Error("the stack did not start");
  const edge = stack.edge;
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  try {
    await page.goto(`${edge}/signup`);
    await page.getByLabel("Display name").fill("Second Sender");
    await page.getByLabel("Email").fill("second@example.com");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.waitForURL(`${edge}/`);

    // Too large for this server: said before anything is sent.
    await page.goto(`${edge}/upload`);
    await page.locator("body[data-page-ready]").waitFor({ state: "attached" });
    const big = path.join(clipDir, "too-big.mp4");
    await writeFile(big, Buffer.alloc(MAX_BYTES + 1024 * 1024));
    await page.locator("#file").setInputFiles(big);
    await expect
      .poll(() => page.locator("#form-error").textContent())
      .toBe("That file is 7.0 MB; this server accepts files up to 6.0 MB.");

    // Not a video: uploaded, then processing fails with the reason.
    const junk = path.join(clipDir, "holiday.mp4");
    await writeFile(junk, fixtures.junk());
    await page.locator("#file").setInputFiles(junk);
    await expect.poll(() => page.getByLabel("Title", { exact: true }).inputValue()).toBe("Holiday");
    const created = page.waitForResponse((r) => r.url().endsWith("/api/v1/videos") && r.status() === 201);
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    const videoId = ((await (await created).json()) as { video: { id: string } }).video.id;
    const status = page.locator("#processing-status");
    await status.filter({ hasText: "Processing failed" }).waitFor({ timeout: 60_000 });
    expect(await status.textContent()).toMatch(/^Processing failed: The file is not a video we can read/);
    await snap(page, "upload-failed");

    // The studio says why, and offers to upload again, into the same video.
    await page.goto(`${edge}/studio`);
    const item = page.locator(`#video-${videoId}`);
    await expect(item.locator(".failure").textContent()).resolves.toMatch(/not a video we can read/);
    await snap(page, "studio-failed");
    await item.getByRole("link", { name: "Upload again" }).click();
    await page.waitForURL(`${edge}/upload?video=${videoId}`);
    await page.locator("#target-video", { hasText: "could not be processed" }).waitFor();
    await page.locator("#file").setInputFiles(clipPath);
    await snap(page, "upload-again");
    await page.getByRole("button", { name: "Upload file" }).click();
    await page.getByRole("link", { name: "Watch it" }).waitFor({ timeout: 120_000 });
    expect(await page.getByRole("link", { name: "Watch it" }).getAttribute("href")).toBe(`/watch/${videoId}`);
  } finally {
    await context.close();
  }
});
