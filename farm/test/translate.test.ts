/**
 * translate_subtitles end to end on real Postgres: jobs queued as the edge and extraction
 * queue them, run by a real JobRunner, translated by the real AWS SDK client against an
 * HTTP stand-in for TranslateText (test/support/translate-stand-in.ts).
 */
import type { TranslateClient } from "@aws-sdk/client-translate";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Cue } from "../../shared/subtitles/cue.ts";
import { jobPolicies } from "../src/queue/job-policies.ts";
import { enqueueJob, JobQueue } from "../src/queue/job-queue.ts";
import { JobRunner } from "../src/queue/job-runner.ts";
import { createTranslateClient } from "../src/subtitles/translate-client.ts";
import { translateHandler } from "../src/subtitles/translate-job.ts";
import { closeDb, db, newVideo } from "./support/farm-env.ts";
import { TranslateStandIn } from "./support/translate-stand-in.ts";

let standIn: TranslateStandIn;
let client: TranslateClient;
let runner: JobRunner | undefined;
const logs: string[] = [];

beforeAll(async () => {
  standIn = await TranslateStandIn.start();
  client = createTranslateClient(
    { AWS_REGION: "eu-west-1", AWS_TRANSLATE_ENDPOINT: standIn.url },
    { credentials: { accessKeyId: "test-key", secretAccessKey: "test-secret" } },
  );
});

afterAll(async () => {
  client.destroy();
  await standIn.close();
  await closeDb();
});

beforeEach(() => {
  standIn.reset();
  logs.length = 0;
});

afterEach(async () => {
  await runner?.stop(5000);
  runner = undefined;
});

/** A real runner for translate_subtitles, with short backoffs so retries happen within a test. */
function startRunner(
  options: { cap?: number; maxBytes?: number; monthly?: number; maxTracks?: number } = {},
) {
  const queue = new JobQueue(db(), "translate-test", 10_000);
  const policies = jobPolicies({ TRANSCODE_CONCURRENCY: 1 });
  policies.translate_subtitles = { ...policies.translate_subtitles, backoffBaseMs: 50, backoffCapMs: 200 };
  const log = (line: string) => logs.push(line);
  runner = new JobRunner(
    queue,
    policies,
    {
      translate_subtitles: translateHandler({
        db: db(),
        queue,
        client,
        config: {
          TRANSLATE_MAX_CHARS_PER_VIDEO: options.cap ?? 200_000,
          TRANSLATE_MONTHLY_CHARS: options.monthly ?? 1_000_000,
          SUBTITLE_MAX_TRACKS: options.maxTracks ?? 40,
          AWS_REGION: undefined,
          AWS_TRANSLATE_ENDPOINT: standIn.url,
        },
        log,
        translator: { roundBackoffMs: 20, ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}) },
      }),
    },
    { pollMs: 50, leaseMs: 10_000, log },
  );
  runner.start();
}

/** A video whose upload was processed (translations wait for one). */
async function uploadedVideo() {
  const video = await newVideo();
  await db().query("update videos set status = 'ready' where id = $1", [video.videoId]);
  return video;
}

/** Another processed video of the same owner. */
async function anotherVideo(ownerId: string): Promise<string> {
  const { rows } = await db().query<{ id: string }>(
    "insert into videos (owner_id, title, visibility, status) values ($1, 'Second', 'public', 'ready') returning id",
    [ownerId],
  );
  return rows[0]!.id;
}

async function monthUsage(ownerId: string): Promise<number> {
  const { rows } = await db().query<{ chars: string }>(
    "select chars from translation_usage where user_id = $1 and month = date_trunc('month', now() at time zone 'utc')::date",
    [ownerId],
  );
  return Number(rows[0]?.chars ?? 0);
}

/** A ready track with these cues, as extraction or an upload leaves it. */
async function sourceTrack(videoId: string, language: string | null, texts: string[], status = "ready") {
  const { rows } = await db().query<{ id: string }>(
    `insert into subtitle_tracks (video_id, language, label, origin, status, cue_count)
     values ($1, $2, 'Original', 'uploaded', $3, $4) returning id`,
    [videoId, language, status, texts.length],
  );
  const trackId = rows[0]!.id;
  await setCues(trackId, texts);
  return trackId;
}

async function setCues(trackId: string, texts: string[]) {
  await db().query("delete from subtitle_cues where track_id = $1", [trackId]);
  await db().query(
    `insert into subtitle_cues (track_id, idx, start_ms, end_ms, text)
     select $1, i - 1, i * 1000, i * 1000 + 800, t from unnest($2::text[]) with ordinality as c(t, i)`,
    [trackId, texts],
  );
}

/** Queues a translation like the edge does and waits until it has settled (and given up, if so). */
async function translate(videoId: string, sourceTrackId: string, to = "fr") {
  expect(
    await enqueueJob(db(), { type: "translate_subtitles", videoId, payload: { sourceTrackId, to } }),
  ).toBe(true);
  const { rows } = await db().query<{ id: string }>(
    "select id from jobs where type = 'translate_subtitles' and video_id = $1 order by id desc limit 1",
    [videoId],
  );
  const jobId = rows[0]!.id;
  return waitFor(async () => {
    const { rows: jobs } = await db().query<{ state: string; attempts: number; last_error: string | null }>(
      "select state, attempts, last_error from jobs where id = $1",
      [jobId],
    );
    const job = jobs[0]!;
    if (job.state === "done") return job;
    // A job that failed for good has its track marked by the give-up hook just after.
    if (job.state === "failed" && gaveUp(videoId, to)) return job;
    return undefined;
  });
}

const gaveUp = (videoId: string, to: string) =>
  logs.some((line) => line.startsWith(`video ${videoId}: translation to ${to} failed`));

async function machineTrack(videoId: string, language = "fr") {
  const { rows } = await db().query<{
    id: string;
    label: string;
    status: string;
    error_code: string | null;
    error_message: string | null;
    source_track_id: string | null;
    cue_count: number;
  }>(
    `select id, label, status, error_code, error_message, source_track_id, cue_count
     from subtitle_tracks where video_id = $1 and language = $2 and origin = 'machine'`,
    [videoId, language],
  );
  expect(rows.length).toBeLessThanOrEqual(1);
  return rows[0];
}

async function cuesOf(trackId: string): Promise<Cue[]> {
  const { rows } = await db().query<Cue>(
    `select start_ms as "startMs", end_ms as "endMs", text from subtitle_cues where track_id = $1 order by idx`,
    [trackId],
  );
  return rows;
}

async function translatedChars(videoId: string): Promise<number> {
  const { rows } = await db().query<{ n: string }>("select translated_chars as n from videos where id = $1", [
    videoId,
  ]);
  return Number(rows[0]!.n);
}

async function publishJobs(videoId: string): Promise<number> {
  const { rows } = await db().query<{ n: number }>(
    "select count(*)::int as n from jobs where type = 'publish_subtitles' and video_id = $1",
    [videoId],
  );
  return rows[0]!.n;
}

const codePoints = (text: string) => [...text].length;
const sentChars = () => standIn.answered.reduce((sum, r) => sum + codePoints(r.text), 0);

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out; runner log:\n${logs.join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("translate_subtitles", () => {
  it("makes a ready machine track at the source cues' times, markup and escapes intact, and queues publishing", async () => {
    startRunner();
    const { videoId } = await uploadedVideo();
    const texts = [
      "Hello",
      "<i>Careful</i> &amp; quiet",
      "First line\nsecond line",
      "<b>Bold</b> and <u>under</u>",
      "5 &lt; 6 &amp; 7 &gt; 2",
    ];
    const source = await sourceTrack(videoId, "en", texts);
    const job = await translate(videoId, source, "fr");
    expect(job.state).toBe("done");

    const track = (await machineTrack(videoId))!;
    expect(track).toMatchObject({
      label: "Français (auto-translated)",
      status: "ready",
      source_track_id: source,
      cue_count: 5,
      error_code: null,
    });
    expect(await cuesOf(track.id)).toEqual([
      { startMs: 1000, endMs: 1800, text: "[fr] Hello" },
      { startMs: 2000, endMs: 2800, text: "<i>[fr] Careful</i> [fr] &amp; quiet" },
      { startMs: 3000, endMs: 3800, text: "[fr] First line\n[fr] second line" },
      { startMs: 4000, endMs: 4800, text: "<b>[fr] Bold</b> [fr] and <u>[fr] under</u>" },
      { startMs: 5000, endMs: 5800, text: "[fr] 5 &lt; 6 &amp; 7 &gt; 2" },
    ]);
    // On the wire: one signed request, each cue its own element, escapes and <br> as HTML.
    expect(standIn.requests).toHaveLength(1);
    expect(standIn.requests[0]).toMatchObject({ source: "en", target: "fr", signed: true });
    expect(standIn.requests[0]!.text).toBe(
      '<p id="c0">Hello</p><p id="c1"><i>Careful</i> &amp; quiet</p><p id="c2">First line<br>second line</p>' +
        '<p id="c3"><b>Bold</b> and <u>under</u></p><p id="c4">5 &lt; 6 &amp; 7 &gt; 2</p>',
    );
    expect(await translatedChars(videoId)).toBe(sentChars());
    expect(await publishJobs(videoId)).toBe(1);
  });

  it("sends an unknown source language as auto, then the language the service detected", async () => {
    startRunner({ maxBytes: 120 });
    standIn.detected = "de";
    const { videoId } = await uploadedVideo();
    const texts = Array.from({ length: 12 }, (_, i) => `Guten Tag, Zeile ${i}`);
    const source = await sourceTrack(videoId, null, texts);
    expect((await translate(videoId, source, "en")).state).toBe("done");
    expect(standIn.requests.length).toBeGreaterThan(2);
    expect(standIn.requests.map((r) => r.source)).toEqual([
      "auto",
      ...standIn.requests.slice(1).map(() => "de"),
    ]);
    const track = (await machineTrack(videoId, "en"))!;
    expect((await cuesOf(track.id)).map((c) => c.text)).toEqual(texts.map((t) => `[en] ${t}`));
  });

  it("retries throttling and 5xx answers within the attempt", async () => {
    startRunner();
    const { videoId } = await uploadedVideo();
    const source = await sourceTrack(videoId, "en", ["One", "Two"]);
    standIn.failNext(4, "TooManyRequestsException", 429);
    standIn.failNext(1, "ServiceUnavailableException", 503, "Service unavailable");
    standIn.failNext(1, "InternalServerException", 500, "Internal error");
    const job = await translate(videoId, source);
    expect(job).toMatchObject({ state: "done", attempts: 1 });
    expect(standIn.requests.map((r) => r.status)).toEqual([429, 429, 429, 429, 503, 500, 200]);
    const track = (await machineTrack(videoId))!;
    expect((await cuesOf(track.id)).map((c) => c.text)).toEqual(["[fr] One", "[fr] Two"]);
    // Refused requests are not billed, so not counted.
    expect(await translatedChars(videoId)).toBe(sentChars());
  });

  it("fills a request up to exactly 10,000 bytes and no further", async () => {
    startRunner();
    const { videoId } = await uploadedVideo();
    // `<p id="cN">` + `</p>` is 15 bytes for N < 10, and 'é' is 2 bytes: ten 1,000-byte elements.
    const big = `${"é".repeat(492)}a`;
    const texts = [...Array.from({ length: 10 }, () => big), "x"];
    const source = await sourceTrack(videoId, "en", texts);
    expect((await translate(videoId, source)).state).toBe("done");
    expect(standIn.requests.map((r) => [r.bytes, r.status])).toEqual([
      [10_000, 200],
      [Buffer.byteLength('<p id="c10">x</p>'), 200],
    ]);
    const track = (await machineTrack(videoId))!;
    expect((await cuesOf(track.id)).map((c) => c.text)).toEqual(texts.map((t) => `[fr] ${t}`));
  });

  it("splits many cues of mixed scripts into requests under the limit, keeping every cue", async () => {
    startRunner();
    const { videoId } = await uploadedVideo();
    const words = ["chat", "café", "日本語", "Ελληνικά", "emoji 🎬", "&amp;", "&lt;tag&gt;", "<i>it</i>"];
    const texts = Array.from({ length: 1500 }, (_, i) =>
      Array.from({ length: 1 + ((i * 7) % 13) }, (_, j) => words[(i + j) % words.length]).join(" "),
    );
    const source = await sourceTrack(videoId, "en", texts);
    expect((await translate(videoId, source)).state).toBe("done");
    expect(standIn.requests.length).toBeGreaterThan(5);
    expect(standIn.requests.every((r) => r.bytes <= 10_000 && r.status === 200)).toBe(true);
    expect(Math.max(...standIn.requests.map((r) => r.bytes))).toBeGreaterThan(9_800);
    const cues = await cuesOf((await machineTrack(videoId))!.id);
    expect(cues).toHaveLength(1500);
    cues.forEach((cue, i) => {
      expect(cue.startMs).toBe((i + 1) * 1000);
      expect(cue.text.replace(/\[fr\] /g, "")).toBe(texts[i]);
    });
  });

  it("sends a batch whose reply lost a cue again one cue at a time", async () => {
    startRunner();
    const { videoId } = await uploadedVideo();
    const texts = ["Alpha", "Beta", "Gamma", "Delta"];
    const source = await sourceTrack(videoId, "en", texts);
    standIn.dropCueFromReplies(1);
    expect((await translate(videoId, source)).state).toBe("done");
    expect(standIn.requests).toHaveLength(5);
    expect(standIn.requests.slice(1).map((r) => r.text)).toEqual(
      texts.map((t, i) => `<p id="c${i}">${t}</p>`),
    );
    const track = (await machineTrack(videoId))!;
    expect((await cuesOf(track.id)).map((c) => c.text)).toEqual(texts.map((t) => `[fr] ${t}`));
    // Both the batch and the single-cue requests were billed.
    expect(await translatedChars(videoId)).toBe(sentChars());
  });

  it.each([
    ["UnsupportedLanguagePairException", "unsupported_language_pair"],
    ["DetectedLanguageLowConfidenceException", "source_language_undetected"],
    ["InvalidRequestException", "translation_request_invalid"],
  ])("fails the track, not the video, on %s", async (type, code) => {
    startRunner();
    const { videoId } = await uploadedVideo();
    const before = await db().query("select status, error_code, error_message from videos where id = $1", [
      videoId,
    ]);
    const source = await sourceTrack(videoId, "en", ["Hello", "World"]);
    standIn.failAlways(type, 400, "Refused by the stand-in");
    const job = await translate(videoId, source);
    expect(job).toMatchObject({ state: "failed", attempts: 1 });
    expect(standIn.requests).toHaveLength(1); // neither the SDK nor the job retried it
    const track = (await machineTrack(videoId))!;
    expect(track).toMatchObject({ status: "failed", error_code: code, cue_count: 0 });
    expect(track.error_message).toContain("Refused by the stand-in");
    const after = await db().query("select status, error_code, error_message from videos where id = $1", [
      videoId,
    ]);
    expect(after.rows).toEqual(before.rows);
    expect(await translatedChars(videoId)).toBe(0); // reserved, never sent, given back
    expect(await publishJobs(videoId)).toBe(0);
  });

  it("refuses to send anything past the per-video character cap", async () => {
    startRunner({ cap: 1000 });
    const { videoId } = await uploadedVideo();
    await db().query("update videos set translated_chars = 990 where id = $1", [videoId]);
    const source = await sourceTrack(videoId, "en", [
      "A line long enough to pass the remaining ten characters",
    ]);
    const job = await translate(videoId, source);
    expect(job).toMatchObject({ state: "failed", attempts: 1 });
    expect(standIn.requests).toHaveLength(0);
    const track = (await machineTrack(videoId))!;
    expect(track).toMatchObject({ status: "failed", error_code: "translation_quota_exceeded" });
    expect(track.error_message).toMatch(/990 of the 1000/);
    expect(await translatedChars(videoId)).toBe(990);
  });

  it("counts every language against the same cap", async () => {
    const request = '<p id="c0">Twenty-four characters..</p>'; // what one translation sends
    startRunner({ cap: 2 * request.length + 10 });
    const { videoId } = await uploadedVideo();
    const source = await sourceTrack(videoId, "en", ["Twenty-four characters.."]);
    expect((await translate(videoId, source, "fr")).state).toBe("done");
    expect((await translate(videoId, source, "es")).state).toBe("done");
    expect(standIn.requests.map((r) => r.text)).toEqual([request, request]);
    expect(await translatedChars(videoId)).toBe(2 * request.length);
    expect((await translate(videoId, source, "de")).state).toBe("failed");
    expect((await machineTrack(videoId, "de"))!.error_code).toBe("translation_quota_exceeded");
  });

  it("replaces the track when run again, and keeps a ready one when a re-run fails", async () => {
    startRunner();
    const { videoId } = await uploadedVideo();
    const source = await sourceTrack(videoId, "en", ["Old one", "Old two", "Old three"]);
    await translate(videoId, source);
    const first = (await machineTrack(videoId))!;
    await setCues(source, ["New one", "New two"]);
    expect((await translate(videoId, source)).state).toBe("done");
    const second = (await machineTrack(videoId))!; // machineTrack() asserts there is one row
    expect(second).toMatchObject({ id: first.id, status: "ready", cue_count: 2 });
    expect((await cuesOf(second.id)).map((c) => c.text)).toEqual(["[fr] New one", "[fr] New two"]);
    expect(await publishJobs(videoId)).toBe(2);

    standIn.failAlways("UnsupportedLanguagePairException", 400, "nope");
    const { rows } = await db().query<{ n: number }>(
      "select count(*)::int as n from subtitle_tracks where video_id = $1 and origin = 'machine'",
      [videoId],
    );
    expect(rows[0]!.n).toBe(1);
    await enqueueJob(db(), {
      type: "translate_subtitles",
      videoId,
      payload: { sourceTrackId: source, to: "fr" },
    });
    await waitFor(async () => (gaveUp(videoId, "fr") ? true : undefined));
    expect(await machineTrack(videoId)).toMatchObject({ id: first.id, status: "ready", cue_count: 2 });
  });

  it("fails the track when its source is gone, not ready or already in that language", async () => {
    startRunner();
    const { videoId } = await uploadedVideo();
    const pending = await sourceTrack(videoId, "en", [], "pending");
    await translate(videoId, pending, "fr");
    expect((await machineTrack(videoId, "fr"))!.error_code).toBe("source_track_not_ready");
    await translate(videoId, crypto.randomUUID(), "es");
    expect((await machineTrack(videoId, "es"))!.error_code).toBe("source_track_missing");
    const english = await sourceTrack(videoId, "en-US", ["Hi"]);
    await translate(videoId, english, "en");
    expect((await machineTrack(videoId, "en"))!.error_code).toBe("same_language");
    expect(standIn.requests).toHaveLength(0);
  });

  it("caps each owner's month across videos, deleted ones included, and fails the track saying so", async () => {
    const request = '<p id="c0">Twenty-four characters..</p>'; // what one translation sends
    startRunner({ monthly: 2 * request.length + 10 });
    const { videoId, ownerId } = await uploadedVideo();
    const source = await sourceTrack(videoId, "en", ["Twenty-four characters.."]);
    expect((await translate(videoId, source, "fr")).state).toBe("done");
    expect(await monthUsage(ownerId)).toBe(request.length);
    // Deleting the video (and its tracks, as the purge does) gives nothing back.
    await db().query("update videos set deleted_at = now() where id = $1", [videoId]);
    await db().query("delete from subtitle_tracks where video_id = $1", [videoId]);
    const second = await anotherVideo(ownerId);
    const again = await sourceTrack(second, "en", ["Twenty-four characters.."]);
    expect((await translate(second, again, "es")).state).toBe("done");
    expect(await monthUsage(ownerId)).toBe(2 * request.length);
    const job = await translate(second, again, "de");
    expect(job).toMatchObject({ state: "failed", attempts: 1 });
    expect(standIn.requests).toHaveLength(2);
    const track = (await machineTrack(second, "de"))!;
    expect(track).toMatchObject({ status: "failed", error_code: "quota_exceeded" });
    expect(track.error_message).toMatch(/TRANSLATE_MONTHLY_CHARS/);
    expect(await monthUsage(ownerId)).toBe(2 * request.length);
    // Each video's own count stays its own.
    expect(await translatedChars(second)).toBe(request.length);
  });

  it("gives back to the month it charged what was reserved but never sent", async () => {
    startRunner();
    const { videoId, ownerId } = await uploadedVideo();
    const source = await sourceTrack(videoId, "en", ["Hello there"]);
    standIn.failAlways("UnsupportedLanguagePairException", 400, "nope");
    await translate(videoId, source, "fr");
    expect((await machineTrack(videoId, "fr"))!.error_code).toBe("unsupported_language_pair");
    expect(await monthUsage(ownerId)).toBe(0);
    expect(await translatedChars(videoId)).toBe(0);
  });

  it("does not start before the video has an upload (video_not_ready), sending nothing", async () => {
    startRunner();
    const { videoId } = await newVideo(); // awaiting its upload
    const source = await sourceTrack(videoId, "en", ["Hello"]);
    expect((await translate(videoId, source, "fr")).state).toBe("failed");
    const track = (await machineTrack(videoId, "fr"))!;
    expect(track).toMatchObject({ status: "failed", error_code: "video_not_ready" });
    expect(standIn.requests).toHaveLength(0);
  });

  it("skips a translation that would add a track past SUBTITLE_MAX_TRACKS, and says so", async () => {
    startRunner({ maxTracks: 2 });
    const { videoId } = await uploadedVideo();
    const source = await sourceTrack(videoId, "en", ["Hello"]);
    expect((await translate(videoId, source, "fr")).state).toBe("done");
    const job = await translate(videoId, source, "es");
    expect(job.state).toBe("failed");
    expect(job.last_error).toMatch(/SUBTITLE_MAX_TRACKS/);
    expect(logs.join("\n")).toMatch(/translation to es skipped: too many subtitle tracks/);
    expect(await machineTrack(videoId, "es")).toBeUndefined();
    // Re-translating a language the video has stays possible at the limit.
    expect((await translate(videoId, source, "fr")).state).toBe("done");
    expect(standIn.requests).toHaveLength(2);
  });
});
