/**
 * Starts the whole local platform exactly as `npm start` does (the same entry script, on
 * free ports and a temporary data directory so it never collides with a developer's stack)
 * and checks what a newcomer relies on: the URLs and ready line, both health endpoints,
 * the CDN serving from the bucket, data surviving a restart, a clean Ctrl-C, and a clear
 * message for a busy port.
 */
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import pg from "pg";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtures } from "../../farm/test/support/fixtures.ts";
import { sourceKinds } from "../../farm/test/support/source-kinds.ts";
import { tokenQuery } from "../../shared/playback/gcore-token.ts";
import { createS3Client } from "../../shared/storage/s3-client.ts";
import { isPortFree } from "../local/ports.ts";
import { isolatedStackEnv, type StackPorts } from "../local/stack-config.ts";
import { screenshotBoth, seriousAxeViolations } from "./support/page-checks.ts";
import { interruptGroup, type Spawned, spawnScript, waitForOutput } from "./support/spawn-script.ts";
import { uploadWithTus } from "./support/tus-upload.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ARTIFACTS = path.join(ROOT, "test-artifacts");

/** `npm start`'s script, detached into its own process group so a group SIGINT is what Ctrl-C in a terminal sends. */
function launch(env: Record<string, string>): Spawned {
  return spawnScript("scripts/start.ts", env, { detached: true });
}

let dataDir: string;
let env: Record<string, string>;
let ports: StackPorts;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "movio-stack-test-"));
  // Free ports and the embedded services, whatever the developer's shell exports.
  ({ env, ports } = await isolatedStackEnv(dataDir));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

let issuedBeforeRestart = "";

async function checkCdnServesTheBucket() {
  const s3 = createS3Client({
    endpoint: `http://127.0.0.1:${ports.S3_PORT}`,
    region: "us-east-1",
    accessKeyId: "movio-local",
    secretAccessKey: "movio-local",
    forcePathStyle: true,
  });
  await s3.send(new PutObjectCommand({ Bucket: "movio", Key: "probe/seg.m4s", Body: "0123456789" }));
  s3.destroy();
  const url = `http://127.0.0.1:${ports.CDN_PORT}/probe/seg.m4s`;
  expect((await fetch(url)).status).toBe(403);
  // Signed as the edge signs, with the secret npm start generated for the local CDN.
  const secret = (await readFile(path.join(dataDir, "keys", "cdn-token-secret"), "utf8")).trim();
  const query = tokenQuery({ path: "/probe/", expires: Math.floor(Date.now() / 1000) + 60, secret });
  const ranged = await fetch(`${url}?${query}`, { headers: { range: "bytes=2-5" } });
  expect(ranged.status).toBe(206);
  expect(ranged.headers.get("content-type")).toBe("video/iso.segment");
  expect(await ranged.text()).toBe("2345");
}

/** The edge in wrangler dev, with its generated signing key, against the embedded database. */
async function checkApiRoundTrip() {
  const edge = `http://127.0.0.1:${ports.EDGE_PORT}`;
  const signup = await fetch(`${edge}/api/v1/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      email: "stack@example.com",
      password: "a long enough password",
      displayName: "Stack",
    }),
  });
  expect(signup.status).toBe(201);
  const session = (await signup.json()) as { accessToken: string };
  issuedBeforeRestart = session.accessToken;
  const created = await fetch(`${edge}/api/v1/videos`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${session.accessToken}` },
    body: JSON.stringify({ title: "Stack video", visibility: "public" }),
  });
  expect(created.status).toBe(201);
  const body = (await created.json()) as { video: { status: string }; upload: { endpoint: string } };
  expect(body.video.status).toBe("awaiting_upload");
  expect(body.upload.endpoint).toBe(`http://127.0.0.1:${ports.FARM_PORT}/files/`);
  const jwks = (await (await fetch(`${edge}/.well-known/jwks.json`)).json()) as { keys: unknown[] };
  expect(jwks.keys).toHaveLength(1);
}

/**
 * /doc in real Chromium: Scalar's API reference renders the operations from /openapi.json and
 * its "Test Request" client sends a request with a pasted access token; nothing is fetched
 * from another origin, and nothing breaks the page's CSP.
 */
async function checkDocsPageInBrowser() {
  const edge = `http://127.0.0.1:${ports.EDGE_PORT}`;
  const login = await fetch(`${edge}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "stack@example.com", password: "a long enough password" }),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const foreign: string[] = [];
    const cspViolations: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(`${edge}/`)) foreign.push(request.url());
    });
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await page.goto(`${edge}/doc`);
    await page.getByText("The signed-in user").first().click();
    await page
      .locator('section[id$="/GET/api/v1/me"]')
      .getByRole("button", { name: /Test Request/ })
      .click();
    const client = page.getByRole("dialog");
    await client.getByPlaceholder("Token").fill(accessToken);
    await client.getByRole("button", { name: /^Send Request/ }).click();
    await expectText(client, /200 OK[\s\S]*stack@example\.com/);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, "api-doc-page.png") });
    expect(foreign).toEqual([]);
    expect(cspViolations).toEqual([]);
  } finally {
    await browser.close();
  }
}

/**
 * The whole path a viewer's video takes: tus-js-client upload to the farm, transcode, then
 * /watch/:id in Chromium playing through the CDN with every request signed; and the HLS
 * rendition of the same files, parsed and fetched segment by segment.
 */
async function checkUploadTranscodeAndPlayback() {
  const edge = `http://127.0.0.1:${ports.EDGE_PORT}`;
  const cdn = `http://127.0.0.1:${ports.CDN_PORT}`;
  const auth = { "content-type": "application/json", authorization: `Bearer ${issuedBeforeRestart}` };
  // Embedded English (default) and French text subtitles, and a German bitmap stream.
  const bytes = fixtures.withSubtitles({ seconds: 8, size: "1280x720" });
  const video = {
    id: await uploadAndWait(edge, auth, bytes, { title: "Test pattern", description: "Generated by ffmpeg" }),
  };

  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const cdnResponses: { url: string; status: number }[] = [];
    page.on("response", (response) => {
      if (response.url().startsWith(cdn))
        cdnResponses.push({ url: response.url(), status: response.status() });
    });
    await page.goto(`${edge}/watch/${video.id}`);
    // A function, not a string: the page's CSP forbids eval. (No DOM types in this Node project.)
    await page.waitForFunction(
      () => {
        const video = (
          globalThis as unknown as { document: { querySelector(s: string): { currentTime: number } | null } }
        ).document.querySelector("video");
        return (video?.currentTime ?? 0) > 3;
      },
      undefined,
      { timeout: 60_000 },
    );
    const rungs = await page.locator("#quality option").count();
    expect(rungs - 1).toBeGreaterThan(1); // "Auto" plus more than one rung
    // Seek previews: hovering the seek bar shows the storyboard thumbnail for that moment.
    await page.waitForFunction(
      () =>
        ((globalThis as unknown as { movio: { storyboard: unknown[] } }).movio.storyboard.length ?? 0) > 0,
    );
    await page.locator("#seek").hover({ position: { x: 200, y: 5 } });
    const preview = page.locator("#preview");
    expect(await preview.isVisible()).toBe(true);
    expect(
      await preview.evaluate(
        (el) => (el as unknown as { style: { backgroundImage: string } }).style.backgroundImage,
      ),
    ).toContain("storyboard-00.jpg?md5=");
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, "watch-page.png") });

    // Subtitles: the menu offers off + each text track, the default (English) is on, and its
    // cue is on screen at its time; choosing French shows the French cue there instead.
    expect(await page.locator("#subtitles option").allTextContents()).toEqual([
      "Off",
      "English",
      "Français (forced)",
    ]);
    // Plays the stretch of the first cues (0.5–1.5 s) until the showing track has an active cue:
    // the player fetches a newly chosen track as playback moves, as it would for a viewer.
    const cueOnScreen = () =>
      page.waitForFunction(
        () => {
          type Track = { mode: string; activeCues: { length: number; 0?: { text: string } } | null };
          const video = (
            globalThis as unknown as {
              document: {
                querySelector(s: string): {
                  currentTime: number;
                  paused: boolean;
                  play(): Promise<void>;
                  pause(): void;
                  textTracks: { length: number; [i: number]: Track };
                } | null;
              };
            }
          ).document.querySelector("video");
          if (!video) return false;
          for (let i = 0; i < video.textTracks.length; i++) {
            const track = video.textTracks[i];
            if (track?.mode === "showing" && track.activeCues?.length) {
              video.pause();
              return track.activeCues[0]?.text ?? false;
            }
          }
          if (video.currentTime < 0.55 || video.currentTime > 1.4) video.currentTime = 0.6;
          if (video.paused) void video.play();
          return false;
        },
        undefined,
        { timeout: 20_000, polling: 100 },
      );
    expect(await (await cueOnScreen()).jsonValue()).toBe("Hello <i>world</i> &amp; friends");
    await page.screenshot({ path: path.join(ARTIFACTS, "watch-subtitles-en.png") });
    await page.locator("#subtitles").selectOption({ label: "Français (forced)" });
    expect(await (await cueOnScreen()).jsonValue()).toBe("<i>Bonjour</i> le <b>monde</b>\nligne deux fin");
    await page.screenshot({ path: path.join(ARTIFACTS, "watch-subtitles-fr.png") });
    expect(cdnResponses.length).toBeGreaterThan(5);
    expect(cdnResponses.filter((r) => r.status !== 200 && r.status !== 206)).toEqual([]);
    expect(cdnResponses.every((r) => new URL(r.url).searchParams.has("md5"))).toBe(true);

    // A deep link (a search hit inside the subtitles) starts playback at that second.
    await page.goto(`${edge}/watch/${video.id}?t=5`);
    const firstTime = await page.waitForFunction(
      () => {
        const element = (
          globalThis as unknown as { document: { querySelector(s: string): { currentTime: number } | null } }
        ).document.querySelector("video");
        return element && element.currentTime > 0 ? element.currentTime : false;
      },
      undefined,
      { timeout: 30_000 },
    );
    expect(await firstTime.jsonValue()).toBeGreaterThanOrEqual(4.9);

    // The page says plainly when there is nothing to play.
    await page.goto(`${edge}/watch/${crypto.randomUUID()}`);
    await expectText(page.locator("#message"), /does not exist, or it is private/);
    const pending = await fetch(`${edge}/api/v1/videos`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ title: "Not uploaded yet", visibility: "public" }),
    });
    const pendingId = ((await pending.json()) as { video: { id: string } }).video.id;
    await page.goto(`${edge}/watch/${pendingId}`);
    await expectText(page.locator("#message"), /does not exist, or it is private/); // not ready: only its owner may see it
    // Its owner logs in through the form and comes back to the page (?next=).
    await page.goto(`${edge}/login?next=${encodeURIComponent(`/watch/${pendingId}`)}`);
    await page.getByLabel("Email").fill("stack@example.com");
    await page.getByLabel("Password").fill("a long enough password");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${edge}/watch/${pendingId}`);
    await expectText(page.locator("#message"), /still uploading \(0%\)/);
    await page.locator("#owner-links").waitFor({ state: "visible" });
    await checkAlternateAudio(page, edge, auth);
    await checkWebPages(browser, edge, video.id);
  } finally {
    await browser.close();
  }

  // HLS: the master and media playlists parse, and every segment they name comes through the CDN.
  const playback = (await (await fetch(`${edge}/api/v1/videos/${video.id}/playback`)).json()) as {
    hls: string;
  };
  const master = await (await fetch(playback.hls)).text();
  expect(master.startsWith("#EXTM3U")).toBe(true);
  const uris = (text: string, base: string) =>
    text
      .split("\n")
      .flatMap((line) =>
        line.startsWith("#")
          ? [...line.matchAll(/URI="([^"]+)"/g)].map((m) => m[1] ?? "")
          : line.trim()
            ? [line.trim()]
            : [],
      )
      .map((uri) => new URL(uri, base).href);
  const playlists = uris(master, playback.hls);
  expect(playlists.filter((u) => /media_\d+\.m3u8/.test(u)).length).toBeGreaterThan(2);
  // Both text tracks are declared as a SUBTITLES group that every variant names.
  expect(master.match(/#EXT-X-MEDIA:TYPE=SUBTITLES,[^\n]*LANGUAGE="(en|fr)"/g)?.length).toBe(2);
  expect(
    master
      .split("\n")
      .filter((l) => l.startsWith("#EXT-X-STREAM-INF:"))
      .every((l) => l.includes('SUBTITLES="subs"')),
  ).toBe(true);
  expect(playlists.filter((u) => /subs-[0-9a-f]+-v\d+(-[0-9a-f]+)?\.m3u8/.test(u))).toHaveLength(2);
  let subtitleFiles = 0;
  let segments = 0;
  for (const playlist of playlists) {
    const response = await fetch(playlist);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain("#EXT-X-TARGETDURATION");
    for (const segment of uris(text, playlist)) {
      const got = await fetch(segment);
      expect(got.status).toBe(200);
      const body = await got.arrayBuffer();
      expect(body.byteLength).toBeGreaterThan(0);
      if (segment.includes(".vtt?")) {
        expect(new TextDecoder().decode(body).startsWith("WEBVTT")).toBe(true);
        subtitleFiles++;
      }
      segments++;
    }
  }
  expect(segments).toBeGreaterThan(10);
  expect(subtitleFiles).toBe(2);
}

/** Uploads through tus and waits for the video to settle; returns its id. */
async function uploadAndWait(
  edge: string,
  auth: Record<string, string>,
  bytes: Buffer,
  fields: { title: string; description?: string },
) {
  const { title } = fields;
  const created = await fetch(`${edge}/api/v1/videos`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ ...fields, visibility: "public" }),
  });
  const { video, upload } = (await created.json()) as {
    video: { id: string };
    upload: { endpoint: string; token: string };
  };
  await uploadWithTus(upload, bytes);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const { status } = (await (
      await fetch(`${edge}/api/v1/videos/${video.id}`, { headers: auth })
    ).json()) as {
      status: string;
    };
    if (status === "ready") return video.id;
    if (status === "failed") throw new Error(`video ${title} failed`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`video ${title} did not become ready`);
}

/** A source with French (default) and English audio: the watch page offers both and switches. */
async function checkAlternateAudio(page: Page, edge: string, auth: Record<string, string>) {
  const id = await uploadAndWait(edge, auth, readFileSync(sourceKinds.twoLanguages()), {
    title: "Two languages",
  });
  await page.goto(`${edge}/watch/${id}`);
  await page.waitForFunction(() => (globalThis as unknown as { movio: { ready: boolean } }).movio.ready);
  expect(await page.locator("#audio option").allTextContents()).toEqual(["Français", "English"]);
  const playing = () =>
    page.evaluate(
      () =>
        (
          globalThis as unknown as {
            movio: { player: { getCurrentTrackFor(t: string): { lang: string } | null } };
          }
        ).movio.player.getCurrentTrackFor("audio")?.lang,
    );
  expect(await playing()).toBe("fr");
  await page.getByLabel("Audio").selectOption({ label: "English" });
  expect(await playing()).toBe("en");
}

/** Words of the video's title ("Test pattern") and description ("Generated by ffmpeg"). */
const TITLE_AND_DESCRIPTION_SEARCH = "/search?q=generated+pattern";

/**
 * The web app's viewer pages with the video above in the catalog: each page at desktop and
 * phone size (screenshots in test-artifacts/web), axe-core finding no serious or critical
 * violation (the search pages with highlighted words in title, description and subtitles
 * among them), the header search finding a word spoken in the subtitles with a link to its
 * moment, and the watch page's keyboard shortcuts.
 */
async function checkWebPages(browser: Browser, edge: string, videoId: string) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    await page.goto(`${edge}/`);
    await page.locator(`.card a[href="/watch/${videoId}"]`).waitFor();
    expect(await page.locator(".card .duration").first().textContent()).toMatch(/^0:0\d$/);
    await page
      .locator(".card img")
      .first()
      .evaluate((img) => (img as unknown as { decode(): Promise<void> }).decode());
    await screenshotBoth(page, "home");

    // The header's search box: a word from the English subtitles ("Hello world & friends").
    await page.getByLabel("Search videos").fill("friends");
    await page.getByLabel("Search videos").press("Enter");
    await page.waitForURL(/\/search\?q=friends/);
    const moment = page.locator(`.matches a[href^="/watch/${videoId}?t="]`).first();
    expect(await moment.innerHTML()).toContain("<mark>friends</mark>");
    expect(await moment.textContent()).toMatch(/^at 0:00 — …Hello world & friends…/);
    await screenshotBoth(page, "search");
    // Highlighted words in the title and in the (muted) description too: axe checks their
    // contrast below, on this page as well as on the subtitle hit's.
    await page.goto(`${edge}${TITLE_AND_DESCRIPTION_SEARCH}`);
    expect(await page.locator(".result h2 a mark").allTextContents()).toEqual(["pattern"]);
    expect(await page.locator(".result p.muted mark").allTextContents()).toEqual(["Generated"]);
    await screenshotBoth(page, "search-title-description");
    await page.goto(`${edge}/search?q=friends`);
    await moment.click();
    await page.waitForURL(new RegExp(`/watch/${videoId}\\?t=0$`));

    // Keyboard: c toggles captions, k/space play and pause.
    await page.waitForFunction(() => (globalThis as unknown as { movio: { ready: boolean } }).movio.ready);
    const captions = () => page.locator("#subtitles").inputValue();
    const before = await captions();
    await page.locator("body").press("c");
    expect(await captions()).not.toBe(before);
    await page.locator("body").press("c");
    expect(await captions()).toBe(before);
    await screenshotBoth(page, "watch");

    for (const [name, path] of [
      ["login", "/login"],
      ["signup", "/signup"],
      ["not-found", "/no-such-page"],
    ] as const) {
      await page.goto(`${edge}${path}`);
      await screenshotBoth(page, name);
    }
    expect(await page.locator("h1").textContent()).toBe("This page does not exist");

    const violations = [];
    for (const path of [
      "/",
      "/search?q=friends",
      TITLE_AND_DESCRIPTION_SEARCH,
      `/watch/${videoId}`,
      "/login",
      "/signup",
      "/no-such-page",
    ]) {
      violations.push(
        ...(await seriousAxeViolations(browser, `${edge}${path}`)).map((v) => ({ path, ...v })),
      );
    }
    expect(violations).toEqual([]);
  } finally {
    await page.close();
  }
}

async function expectText(locator: Locator, pattern: RegExp) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (pattern.test((await locator.textContent()) ?? "")) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(await locator.textContent()).toMatch(pattern);
}

describe("npm start", () => {
  it("starts everything, serves both health endpoints, keeps data across restarts and stops cleanly", async () => {
    const first = launch(env);
    try {
      await waitForOutput(first, /Movio is ready/, 120_000);
      const out = first.output();
      for (const url of [
        `http://127.0.0.1:${ports.EDGE_PORT}`,
        `http://127.0.0.1:${ports.FARM_PORT}`,
        `http://127.0.0.1:${ports.CDN_PORT}`,
        `http://127.0.0.1:${ports.MAIL_WEB_PORT}`,
      ]) {
        expect(out).toContain(url);
      }
      // The mail sink's REST API answers (the farm sends to its SMTP port).
      const mail = await fetch(`http://127.0.0.1:${ports.MAIL_WEB_PORT}/api/email`);
      expect(mail.status).toBe(200);
      expect(out).toMatch(/ffmpeg: \S+ \((env|system|npm), version \S+\)/);
      expect(out.match(/Movio is ready/g)).toHaveLength(1);

      const edge = await fetch(`http://127.0.0.1:${ports.EDGE_PORT}/healthz`);
      expect(edge.status).toBe(200);
      expect(await edge.json()).toEqual({ ok: true, db: "up" });
      const farm = await fetch(`http://127.0.0.1:${ports.FARM_PORT}/healthz`);
      expect(farm.status).toBe(200);
      expect(await farm.json()).toEqual({ ok: true, db: "up", locking: "up" });

      await checkCdnServesTheBucket();
      await checkApiRoundTrip();
      await checkDocsPageInBrowser();
      await checkUploadTranscodeAndPlayback();

      // Something to find after the restart.
      const client = new pg.Client(`postgres://movio:movio-local@127.0.0.1:${ports.PG_PORT}/movio`);
      await client.connect();
      await client.query("create table if not exists stack_test_marker (note text)");
      await client.query("insert into stack_test_marker values ('kept')");
      await client.end();
    } finally {
      const started = Date.now();
      await interruptGroup(first);
      expect(Date.now() - started).toBeLessThan(10_000);
    }
    expect(first.output()).toContain("stopped");
    for (const port of Object.values(ports)) expect(await isPortFree(port)).toBe(true);

    const second = launch(env);
    try {
      await waitForOutput(second, /Movio is ready/, 120_000);
      const client = new pg.Client(`postgres://movio:movio-local@127.0.0.1:${ports.PG_PORT}/movio`);
      await client.connect();
      const rows = await client.query("select note from stack_test_marker");
      await client.end();
      expect(rows.rows).toEqual([{ note: "kept" }]);
      // The signing key survives too: a token issued before the restart still works.
      const me = await fetch(`http://127.0.0.1:${ports.EDGE_PORT}/api/v1/me`, {
        headers: { authorization: `Bearer ${issuedBeforeRestart}` },
      });
      expect(me.status).toBe(200);
    } finally {
      await interruptGroup(second);
    }
    for (const port of Object.values(ports)) expect(await isPortFree(port)).toBe(true);
  });

  it("refuses to start when a port is taken, naming the port and the variable that moves it", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(ports.FARM_PORT, "127.0.0.1", resolve));
    try {
      const launched = launch(env);
      const code = await launched.exited;
      expect(code).toBe(1);
      expect(launched.output()).toContain(`port ${ports.FARM_PORT} (farm) is already in use`);
      expect(launched.output()).toContain("set FARM_PORT to another port");
    } finally {
      blocker.close();
    }
  });

  it("refuses a bad setting with a clear message", async () => {
    const launched = launch({ ...env, EDGE_PORT: "eighty" });
    expect(await launched.exited).toBe(1);
    expect(launched.output()).toMatch(/EDGE_PORT \("eighty"\)/);
  });
});
