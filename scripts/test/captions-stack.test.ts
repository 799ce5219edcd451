/**
 * Automatic captions across the whole local stack (started as `npm start` does), Amazon
 * Transcribe and AWS Translate answered by their HTTP stand-ins (the real SDKs in the farm):
 * a video that speaks (espeak-ng, known words at known times) and has no subtitles gets an
 * `auto` track once ready; a spoken word is found by search at its second; the English track
 * is machine-translated into the video's translateTo language; an edit marks the track
 * reviewed, and re-generation then leaves it alone. The studio shows the track with its
 * "Generated" badge (screenshot: test-artifacts/web/studio-captions-<width>.png).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { makeSpeechVideo, type SpeechVideo } from "../../farm/test/support/speech-fixture.ts";
import { TranscribeStandIn } from "../../farm/test/support/transcribe-stand-in.ts";
import { TranslateStandIn } from "../../farm/test/support/translate-stand-in.ts";
import { createS3Client } from "../../shared/storage/s3-client.ts";
import { screenshotBoth } from "./support/page-checks.ts";
import { type RunningStack, startRunningStack } from "./support/running-stack.ts";
import { uploadWithTus } from "./support/tus-upload.ts";

const EMAIL = "speaker@example.com";
const PASSWORD = "a long enough password";

let stack: RunningStack | undefined;
let browser: Browser | undefined;
let transcribe: TranscribeStandIn | undefined;
let translate: TranslateStandIn | undefined;
let s3: ReturnType<typeof createS3Client> | undefined;
let dir = "";
let speech: SpeechVideo;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "movio-captions-"));
  speech = await makeSpeechVideo(
    dir,
    [
      { text: "The harbour was quiet tonight.", atMs: 1000 },
      { text: "Nobody saw the lighthouse keeper.", atMs: 5000 },
    ],
    9000,
  );
  transcribe = await TranscribeStandIn.start();
  transcribe.script = speech.words;
  translate = await TranslateStandIn.start();
  [stack, browser] = await Promise.all([
    startRunningStack({
      AWS_TRANSCRIBE_ENDPOINT: transcribe.url,
      AWS_TRANSLATE_ENDPOINT: translate.url,
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "captions-test",
      AWS_SECRET_ACCESS_KEY: "captions-test-secret",
      TRANSCRIBE_POLL_BASE_MS: "300",
      TRANSCRIBE_POLL_CAP_MS: "1000",
    }),
    chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] }),
  ]);
  // The stand-in reads the FLAC from, and writes its transcript to, the stack's own bucket.
  s3 = createS3Client({
    endpoint: `http://127.0.0.1:${stack.ports.S3_PORT}`,
    region: "us-east-1",
    accessKeyId: "movio-local",
    secretAccessKey: "movio-local",
    forcePathStyle: true,
  });
  transcribe.attach(s3);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await transcribe?.close();
  await translate?.close();
  s3?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

interface Track {
  id: string;
  lang: string | null;
  label: string;
  origin: string;
  status: string;
  reviewed?: boolean;
  error?: { code: string; message: string };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out waiting for ${what}\n${stack?.output().slice(-4000)}`);
}

it("a video with speech and no subtitles gets a generated track: searchable, translated, editable", async () => {
  if (!stack || !browser || !transcribe) throw new Error("the stack did not start");
  const edge = stack.edge;
  const signup = await fetch(`${edge}/api/v1/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD, displayName: "Speaker" }),
  });
  expect(signup.status).toBe(201);
  const { accessToken } = (await signup.json()) as { accessToken: string };
  const auth = { authorization: `Bearer ${accessToken}`, "content-type": "application/json" };

  const caps = (await (await fetch(`${edge}/api/v1/capabilities`)).json()) as {
    captions: { enabled: boolean };
  };
  expect(caps.captions.enabled).toBe(true);

  const created = await fetch(`${edge}/api/v1/videos`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({
      title: "Night at the harbour",
      visibility: "public",
      language: "en",
      translateTo: ["es"],
    }),
  });
  expect(created.status).toBe(201);
  const { video, upload } = (await created.json()) as {
    video: { id: string };
    upload: { endpoint: string; token: string };
  };
  const bytes = await readFile(speech.file);
  await uploadWithTus(upload, bytes);

  const tracks = async () =>
    (
      (await (await fetch(`${edge}/api/v1/videos/${video.id}/subtitles`, { headers: auth })).json()) as {
        items?: Track[];
      }
    ).items ?? [];
  const auto = await until("the generated track", async () => {
    const t = (await tracks()).find((x) => x.origin === "auto");
    if (t?.status === "failed" || t?.status === "unsupported")
      throw new Error(`auto track ${t.status}: ${t.error?.message}`);
    return t?.status === "ready" ? t : undefined;
  });
  expect(auto).toMatchObject({ lang: "en", label: "English (auto-generated)", reviewed: false });
  expect(transcribe.calledWith("StartTranscriptionJob")).toHaveLength(1);
  expect(transcribe.calledWith("StartTranscriptionJob")[0]?.body).toMatchObject({ LanguageCode: "en-US" });

  // A spoken word, found by search at the second it is said (5 s: the second phrase).
  const hit = await until("the word in search", async () => {
    const res = (await (await fetch(`${edge}/api/v1/search?q=lighthouse`)).json()) as {
      hits: { video: { id: string }; matches: { field: string; startMs?: number; lang?: string | null }[] }[];
    };
    const match = res.hits.find((h) => h.video.id === video.id)?.matches.find((m) => m.field === "subtitle");
    return match;
  });
  expect(Math.floor((hit.startMs ?? -1) / 1000)).toBe(5);

  // Its translation into the language asked for at creation.
  const spanish = await until("the Spanish translation", async () => {
    const t = (await tracks()).find((x) => x.origin === "machine" && x.lang === "es");
    return t?.status === "ready" ? t : undefined;
  });
  const cues = (await (
    await fetch(`${edge}/api/v1/videos/${video.id}/subtitles/es?origin=machine`)
  ).json()) as {
    cues: { text: string }[];
  };
  expect(cues.cues[1]?.text).toContain("[es] Nobody saw the lighthouse keeper.");
  expect(spanish.label).toContain("auto-translated");

  // Playback lists the generated track like any other (once it is published).
  await until("playback to list the track", async () => {
    const playback = (await (await fetch(`${edge}/api/v1/videos/${video.id}/playback`)).json()) as {
      subtitles: { lang: string; label: string }[];
    };
    return playback.subtitles.some((s) => s.label === "English (auto-generated)") ? true : undefined;
  });

  // An edit makes it reviewed: generating again is refused and the edit stays.
  const edit = await fetch(`${edge}/api/v1/videos/${video.id}/subtitles/en/cues?origin=auto`, {
    method: "PATCH",
    headers: auth,
    body: JSON.stringify({ changes: [{ index: 0, text: "The harbour was calm tonight." }] }),
  });
  expect(edit.status).toBe(200);
  const again = await fetch(`${edge}/api/v1/videos/${video.id}/captions`, { method: "POST", headers: auth });
  expect(again.status).toBe(409);
  expect(((await again.json()) as { error: { code: string } }).error.code).toBe("captions_reviewed");
  const english = (await (
    await fetch(`${edge}/api/v1/videos/${video.id}/subtitles/en?origin=auto`)
  ).json()) as {
    track: Track;
    cues: { text: string }[];
  };
  expect(english.track.reviewed).toBe(true);
  expect(english.cues[0]?.text).toBe("The harbour was calm tonight.");
  expect(transcribe.calledWith("StartTranscriptionJob")).toHaveLength(1);

  // The studio: the track with its badge, and the button to generate captions.
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const pageErrors: string[] = [];
  page.on("pageerror", (err) => pageErrors.push(err.message));
  // Signed out, the studio sends to the login page and back, to the video's subtitles.
  await page.goto(`${edge}/studio#subtitles-${video.id}`);
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel("Email").fill(EMAIL);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((url) => url.pathname === "/studio");
  const row = page.locator(`#subtitles-${video.id} tr[data-track="en:auto"]`);
  await row.waitFor();
  expect(await row.locator(".badge.generated").textContent()).toBe("Generated · reviewed");
  expect(await page.getByRole("button", { name: "Generate captions" }).count()).toBe(1);
  await row.scrollIntoViewIfNeeded();
  await screenshotBoth(page, "studio-captions");

  // A viewer reads the generated caption in the player, at the second search links to.
  await page.goto(`${edge}/watch/${video.id}?t=5`);
  await page.waitForFunction(() => (globalThis as unknown as { movio: { ready: boolean } }).movio.ready);
  await page.getByLabel("Subtitles").selectOption({ label: "English (auto-generated)" });
  const onScreen = await until("the generated caption on screen", () => captionShowing(page, 5));
  expect(onScreen).toContain("Nobody saw the lighthouse keeper.");
  expect(pageErrors).toEqual([]);
  await page.close();
}, 240_000);

/**
 * The text of the cues a showing text track has on screen, or undefined while there is none:
 * plays from `fromS` (back there whenever playback wandered off the cue's stretch).
 */
async function captionShowing(page: Page, fromS: number): Promise<string | undefined> {
  return page.evaluate((from) => {
    interface Video {
      currentTime: number;
      paused: boolean;
      play(): Promise<void>;
      pause(): void;
      textTracks: {
        length: number;
        [i: number]: { mode: string; activeCues: ArrayLike<{ text?: string }> | null };
      };
    }
    const doc = (globalThis as unknown as { document: { querySelector(s: string): Video | null } }).document;
    const video = doc.querySelector("video");
    if (!video) return undefined;
    for (let i = 0; i < video.textTracks.length; i++) {
      const track = video.textTracks[i];
      if (track?.mode === "showing" && track.activeCues?.length) {
        video.pause();
        return Array.from(track.activeCues, (cue) => cue.text ?? "").join("\n");
      }
    }
    if (video.currentTime < from || video.currentTime > from + 2) video.currentTime = from + 0.2;
    if (video.paused) void video.play();
    return undefined;
  }, fromS);
}
