/**
 * transcribe_audio end to end on real Postgres, the local S3 server and real ffmpeg: a video
 * speaking known words (espeak-ng, test/support/speech-fixture.ts) gets its `auto` track from
 * the real AWS SDK client talking to an HTTP stand-in of Amazon Transcribe
 * (test/support/transcribe-stand-in.ts), which reads the FLAC the job wrote to the bucket and
 * writes its transcript back there. Also: waiting without a slot, throttling, FAILED jobs,
 * unsupported languages, limits, opt-outs, deletion mid-way, a restart mid-way, reviewed tracks.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Ffmpeg } from "../src/media/ffmpeg.ts";
import { locateMediaTools } from "../src/media/ffmpeg-locate.ts";
import { jobPolicies } from "../src/queue/job-policies.ts";
import { enqueueJob, JobQueue } from "../src/queue/job-queue.ts";
import { JobRunner } from "../src/queue/job-runner.ts";
import { ObjectStorage } from "../src/storage/object-storage.ts";
import { autoCaptionsOnFirstPlayable } from "../src/subtitles/queue-auto-captions.ts";
import { AwsTranscriber, createTranscribeClient } from "../src/subtitles/transcribe-client.ts";
import { captionsPrefix, providerJobName, transcribeHandler } from "../src/subtitles/transcribe-job.ts";
import { VideoStore } from "../src/transcode/video-store.ts";
import { bucketKeys, closeDb, db, farmConfig, newVideo, testS3 } from "./support/farm-env.ts";
import { makeSpeechVideo, type SpeechVideo } from "./support/speech-fixture.ts";
import { TranscribeStandIn } from "./support/transcribe-stand-in.ts";
import { waitFor } from "./support/wait-for.ts";

let standIn: TranscribeStandIn;
let s3: S3Client;
let speech: SpeechVideo;
let speechBytes: Buffer;
let dir: string;
let runner: JobRunner | undefined;
const logs: string[] = [];

const PHRASES = [
  { text: "The harbour was quiet tonight.", atMs: 1000 },
  { text: "Nobody saw the lighthouse keeper.", atMs: 5000 },
];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "transcribe-test-"));
  speech = await makeSpeechVideo(dir, PHRASES, 9000);
  speechBytes = await readFile(speech.file);
  s3 = testS3();
  standIn = await TranscribeStandIn.start(s3);
}, 120_000);

afterAll(async () => {
  await standIn.close();
  s3.destroy();
  await closeDb();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  standIn.reset();
  standIn.script = speech.words;
  logs.length = 0;
});

afterEach(async () => {
  await runner?.stop(5000);
  runner = undefined;
});

function startRunner(env: Record<string, string> = {}, node = "transcribe-test") {
  const config = farmConfig({
    AWS_TRANSCRIBE_ENDPOINT: standIn.url,
    TRANSCRIBE_POLL_BASE_MS: "50",
    TRANSCRIBE_POLL_CAP_MS: "200",
    ...env,
  });
  const queue = new JobQueue(db(), node, 10_000);
  const policies = jobPolicies({ TRANSCODE_CONCURRENCY: 1 });
  policies.transcribe_audio = { ...policies.transcribe_audio, backoffBaseMs: 50, backoffCapMs: 200 };
  const log = (line: string) => logs.push(line);
  const client = createTranscribeClient(config, {
    credentials: { accessKeyId: "test-key", secretAccessKey: "test-secret" },
    maxAttempts: 1, // the job's own retries are what is tested
  });
  runner = new JobRunner(
    queue,
    policies,
    {
      transcribe_audio: transcribeHandler({
        db: db(),
        queue,
        storage: new ObjectStorage(s3, "movio"),
        ffmpeg: new Ffmpeg(locateMediaTools(config)),
        transcriber: new AwsTranscriber(client),
        config,
        log,
      }),
    },
    { pollMs: 30, leaseMs: 10_000, log },
  );
  runner.start();
  return runner;
}

/** A processed video speaking PHRASES, its source in the bucket. */
async function speakingVideo(language: string | null = "en") {
  const video = await newVideo();
  // Where a tus upload leaves it: the video id is the upload id (tus-fuzz checks the bucket's names).
  const sourceKey = video.videoId;
  await s3.send(new PutObjectCommand({ Bucket: "movio", Key: sourceKey, Body: speechBytes }));
  await db().query(
    "update videos set status = 'ready', language = $2, duration_ms = $3, source_key = $4 where id = $1",
    [video.videoId, language, speech.durationMs, sourceKey],
  );
  return video;
}

async function transcribe(videoId: string, payload: { regenerate?: boolean } = {}) {
  await enqueueJob(db(), { type: "transcribe_audio", videoId, payload });
  const { rows } = await db().query<{ id: string }>(
    "select id from jobs where type = 'transcribe_audio' and video_id = $1 order by id desc limit 1",
    [videoId],
  );
  return Number(rows[0]!.id);
}

/** What POST /api/v1/videos/:id/captions writes before it queues a re-generation. */
async function pendingAutoTrack(videoId: string) {
  await db().query(
    "insert into subtitle_tracks (video_id, language, label, origin, status) values ($1, 'en', 'English (auto-generated)', 'auto', 'pending')",
    [videoId],
  );
}

async function settled(jobId: number) {
  return waitFor(
    `job ${jobId} to settle`,
    async () => {
      const { rows } = await db().query<{
        state: string;
        last_error: string | null;
        payload: Record<string, unknown>;
      }>("select state, last_error, payload from jobs where id = $1", [jobId]);
      const row = rows[0];
      return row && ["done", "failed", "cancelled"].includes(row.state) ? row : undefined;
    },
    60_000,
    () => logs.join("\n"),
  );
}

async function autoTrack(videoId: string) {
  const { rows } = await db().query<{
    id: string;
    language: string | null;
    label: string;
    status: string;
    error_code: string | null;
    error_message: string | null;
    provider_job: string | null;
  }>("select * from subtitle_tracks where video_id = $1 and origin = 'auto'", [videoId]);
  return rows[0];
}

async function cuesOf(trackId: string) {
  const { rows } = await db().query<{ start_ms: number; end_ms: number; text: string }>(
    "select start_ms, end_ms, text from subtitle_cues where track_id = $1 order by idx",
    [trackId],
  );
  return rows;
}

describe("transcribe_audio", () => {
  it("turns the video's speech into a ready auto track, waiting without holding a slot", async () => {
    const { videoId, ownerId } = await speakingVideo("en");
    startRunner();
    const jobId = await transcribe(videoId);
    expect((await settled(jobId)).state).toBe("done");

    const track = await autoTrack(videoId);
    expect(track).toMatchObject({
      language: "en",
      label: "English (auto-generated)",
      status: "ready",
      provider_job: null,
    });
    const cues = await cuesOf(track!.id);
    expect(cues.map((c) => c.text.replace(/\n/g, " "))).toEqual([
      "The harbour was quiet tonight.",
      "Nobody saw the lighthouse keeper.",
    ]);
    // Each cue starts when its phrase is spoken (the fixture's known times).
    const harbour = speech.words.find((w) => w.text === "The")!;
    expect(cues[0]!.start_ms).toBe(harbour.startMs);
    expect(cues[1]!.start_ms).toBeGreaterThanOrEqual(5000);
    expect(cues[1]!.start_ms).toBeLessThan(5200);

    // The real SDK asked for the video's language, on the FLAC the job wrote (the stand-in
    // checked it is mono 16 kHz FLAC), and the job was deleted once read.
    const [start] = standIn.calledWith("StartTranscriptionJob");
    expect(start?.signed).toBe(true);
    expect(start?.body).toMatchObject({
      TranscriptionJobName: providerJobName(videoId, jobId),
      LanguageCode: "en-US",
      MediaFormat: "flac",
      Media: { MediaFileUri: `s3://movio/${captionsPrefix(videoId, jobId)}speech.flac` },
      OutputBucketName: "movio",
      OutputKey: `${captionsPrefix(videoId, jobId)}transcript.json`,
    });
    expect(standIn.calledWith("StartTranscriptionJob")).toHaveLength(1);
    expect(standIn.deleted).toEqual([providerJobName(videoId, jobId)]);
    expect(await bucketKeys(captionsPrefix(videoId, jobId))).toEqual([]);

    // It waited by re-queueing itself: attempts ended `released`, none failed.
    const { rows: attempts } = await db().query<{ outcome: string }>(
      "select outcome from job_attempts where job_id = $1 order by id",
      [jobId],
    );
    expect(attempts.filter((a) => a.outcome === "released").length).toBeGreaterThanOrEqual(1);
    expect(attempts.at(-1)?.outcome).toBe("done");
    // The change is published; the minutes are counted.
    const { rowCount } = await db().query(
      "select 1 from jobs where type = 'publish_subtitles' and video_id = $1",
      [videoId],
    );
    expect(rowCount).toBe(1);
    const { rows: usage } = await db().query<{ seconds: string }>(
      "select seconds from transcription_usage where user_id = $1",
      [ownerId],
    );
    expect(Number(usage[0]?.seconds)).toBe(9);
  });

  it("identifies the language among TRANSCRIBE_LANGUAGE_OPTIONS when the video does not say", async () => {
    const { videoId } = await speakingVideo(null);
    standIn.identified = "en-GB";
    startRunner({ TRANSCRIBE_LANGUAGE_OPTIONS: "en-GB,fr-FR" });
    const jobId = await transcribe(videoId);
    expect((await settled(jobId)).state).toBe("done");
    expect(standIn.calledWith("StartTranscriptionJob")[0]?.body).toMatchObject({
      IdentifyLanguage: true,
      LanguageOptions: ["en-GB", "fr-FR"],
    });
    expect(await autoTrack(videoId)).toMatchObject({
      language: "en",
      label: "English (auto-generated)",
      status: "ready",
    });
  });

  it("retries throttling on start and on polls, starting the provider's job once", async () => {
    const { videoId } = await speakingVideo("en");
    standIn.failNext("StartTranscriptionJob", 1, "LimitExceededException");
    standIn.failNext("GetTranscriptionJob", 2, "ThrottlingException");
    startRunner();
    const jobId = await transcribe(videoId);
    expect((await settled(jobId)).state).toBe("done");
    expect(standIn.calledWith("StartTranscriptionJob").filter((c) => c.status === 200)).toHaveLength(1);
    expect(standIn.calledWith("GetTranscriptionJob").filter((c) => c.status === 400).length).toBe(2);
    expect((await autoTrack(videoId))?.status).toBe("ready");
  });

  it("a FAILED job fails the track with the provider's reason", async () => {
    const { videoId } = await speakingVideo("en");
    standIn.failJobsWith("The audio is too noisy.");
    startRunner();
    const jobId = await transcribe(videoId);
    expect((await settled(jobId)).state).toBe("done");
    const track = await autoTrack(videoId);
    expect(track).toMatchObject({ status: "failed", error_code: "transcription_failed" });
    expect(track?.error_message).toContain("The audio is too noisy.");
    expect(await bucketKeys(captionsPrefix(videoId, jobId))).toEqual([]);
  });

  it("a language Transcribe cannot recognise is unsupported, with no call made", async () => {
    const { videoId } = await speakingVideo("la");
    startRunner();
    expect((await settled(await transcribe(videoId))).state).toBe("done");
    expect(await autoTrack(videoId)).toMatchObject({
      status: "unsupported",
      error_code: "unsupported_language",
    });
    expect(standIn.calls).toHaveLength(0);
  });

  it("skips videos with subtitles in their language, opted-out videos and owners", async () => {
    const withTrack = await speakingVideo("en");
    await db().query(
      "insert into subtitle_tracks (video_id, language, label, origin, status) values ($1, 'en-GB', 'English', 'uploaded', 'ready')",
      [withTrack.videoId],
    );
    const optedOut = await speakingVideo("en");
    await db().query("update videos set auto_captions = false where id = $1", [optedOut.videoId]);
    const ownerOut = await speakingVideo("en");
    await db().query("update users set auto_captions = false where id = $1", [ownerOut.ownerId]);
    startRunner();
    for (const v of [withTrack, optedOut, ownerOut]) {
      expect((await settled(await transcribe(v.videoId))).state).toBe("done");
      expect(await autoTrack(v.videoId)).toBeUndefined();
    }
    expect(standIn.calls).toHaveLength(0);
    // Asked for explicitly (re-generation: the edge makes the pending track), it is transcribed.
    await pendingAutoTrack(optedOut.videoId);
    expect((await settled(await transcribe(optedOut.videoId, { regenerate: true }))).state).toBe("done");
    expect((await autoTrack(optedOut.videoId))?.status).toBe("ready");
  });

  it("refuses videos past TRANSCRIBE_MAX_DURATION_S and owners past their monthly minutes", async () => {
    const long = await speakingVideo("en");
    const poor = await speakingVideo("en");
    await db().query(
      "insert into transcription_usage (user_id, month, seconds) values ($1, date_trunc('month', now() at time zone 'utc')::date, 55)",
      [poor.ownerId],
    );
    startRunner({ TRANSCRIBE_MAX_DURATION_S: "8", TRANSCRIBE_MONTHLY_MINUTES: "1" });
    expect((await settled(await transcribe(long.videoId))).state).toBe("done");
    expect(await autoTrack(long.videoId)).toMatchObject({
      status: "unsupported",
      error_code: "video_too_long",
    });
    await db().query("update videos set duration_ms = 7000 where id = $1", [poor.videoId]);
    expect((await settled(await transcribe(poor.videoId))).state).toBe("done");
    expect(await autoTrack(poor.videoId)).toMatchObject({ status: "failed", error_code: "quota_exceeded" });
    expect(standIn.calls).toHaveLength(0);
  });

  it("deleting the track mid-way cancels the provider's job and removes the files", async () => {
    const { videoId } = await speakingVideo("en");
    standIn.pollsToComplete = 1_000_000;
    startRunner();
    const jobId = await transcribe(videoId);
    const track = await waitFor("the pending track with its provider job", async () => {
      const t = await autoTrack(videoId);
      return t?.provider_job ? t : undefined;
    });
    expect(track.status).toBe("pending");
    expect(await bucketKeys(captionsPrefix(videoId, jobId))).toEqual([
      `${captionsPrefix(videoId, jobId)}speech.flac`,
    ]);
    await db().query("delete from subtitle_tracks where id = $1", [track.id]);
    expect((await settled(jobId)).state).toBe("done");
    expect(standIn.deleted).toEqual([providerJobName(videoId, jobId)]);
    expect(await bucketKeys(captionsPrefix(videoId, jobId))).toEqual([]);
  });

  it("deleting the video mid-way cancels the provider's job too", async () => {
    const { videoId } = await speakingVideo("en");
    standIn.pollsToComplete = 1_000_000;
    startRunner();
    const jobId = await transcribe(videoId);
    await waitFor("the provider job", async () =>
      (await autoTrack(videoId))?.provider_job ? true : undefined,
    );
    await db().query("update videos set deleted_at = now() where id = $1", [videoId]);
    expect((await settled(jobId)).state).toBe("done");
    expect(standIn.deleted).toEqual([providerJobName(videoId, jobId)]);
  });

  it("a farm restart mid-way resumes polling the same job: no second start", async () => {
    const { videoId } = await speakingVideo("en");
    standIn.pollsToComplete = 1_000_000;
    const first = startRunner({}, "node-a");
    const jobId = await transcribe(videoId);
    await waitFor("a few polls", async () =>
      standIn.calledWith("GetTranscriptionJob").length >= 2 ? true : undefined,
    );
    await first.stop(5000);
    runner = undefined;
    const { rows } = await db().query<{ payload: { providerJob?: string } }>(
      "select payload from jobs where id = $1",
      [jobId],
    );
    expect(rows[0]?.payload.providerJob).toBe(providerJobName(videoId, jobId));
    standIn.pollsToComplete = 0;
    startRunner({}, "node-b");
    expect((await settled(jobId)).state).toBe("done");
    expect(standIn.calledWith("StartTranscriptionJob")).toHaveLength(1);
    expect((await autoTrack(videoId))?.status).toBe("ready");
  });

  it("never overwrites a track a person edited, even when a transcription was under way", async () => {
    const { videoId } = await speakingVideo("en");
    standIn.pollsToComplete = 3;
    startRunner();
    const jobId = await transcribe(videoId);
    const track = await waitFor("the pending track", async () => {
      const t = await autoTrack(videoId);
      return t?.provider_job ? t : undefined;
    });
    await db().query(
      "update subtitle_tracks set status = 'ready', edited_at = now(), cue_count = 1 where id = $1",
      [track.id],
    );
    await db().query(
      "insert into subtitle_cues (track_id, idx, start_ms, end_ms, text) values ($1, 0, 0, 1000, 'Edited by hand')",
      [track.id],
    );
    expect((await settled(jobId)).state).toBe("done");
    expect((await cuesOf(track.id)).map((c) => c.text)).toEqual(["Edited by hand"]);
    // Asked again, nothing is started at all.
    const calls = standIn.calledWith("StartTranscriptionJob").length;
    expect((await settled(await transcribe(videoId, { regenerate: true }))).state).toBe("done");
    expect(standIn.calledWith("StartTranscriptionJob")).toHaveLength(calls);
    expect((await cuesOf(track.id)).map((c) => c.text)).toEqual(["Edited by hand"]);
  });

  it("skips a video that has SUBTITLE_MAX_TRACKS tracks already, saying so, and refunds its minutes", async () => {
    const full = await speakingVideo("en");
    await db().query(
      "insert into subtitle_tracks (video_id, language, label, origin, status) values ($1, 'fr', 'Français', 'uploaded', 'ready')",
      [full.videoId],
    );
    startRunner({ SUBTITLE_MAX_TRACKS: "1" });
    expect((await settled(await transcribe(full.videoId))).state).toBe("done");
    expect(await autoTrack(full.videoId)).toBeUndefined();
    expect(standIn.calls).toHaveLength(0);
    expect(logs.join("\n")).toContain(
      `video ${full.videoId}: no automatic captions (it has SUBTITLE_MAX_TRACKS=1`,
    );
    const { rows } = await db().query<{ seconds: number }>(
      "select coalesce(sum(seconds), 0)::int as seconds from transcription_usage where user_id = $1",
      [full.ownerId],
    );
    expect(rows[0]!.seconds).toBe(0);
  });

  it("fails with source_unavailable once the upload is gone (KEEP_SOURCE off, video ready)", async () => {
    const { videoId } = await speakingVideo("en");
    await s3.send(new DeleteObjectCommand({ Bucket: "movio", Key: videoId }));
    startRunner();
    expect((await settled(await transcribe(videoId))).state).toBe("done");
    expect(await autoTrack(videoId)).toMatchObject({ status: "failed", error_code: "source_unavailable" });
    expect(standIn.calls).toHaveLength(0);
  });

  it("keeps the speech audio with the media: a re-generation works after the upload is removed", async () => {
    const { videoId } = await speakingVideo("en");
    const prefix = `media/${videoId}/attempt-1/`;
    await db().query("update videos set storage_prefix = $2 where id = $1", [videoId, prefix]);
    startRunner();
    expect((await settled(await transcribe(videoId))).state).toBe("done");
    expect((await autoTrack(videoId))?.status).toBe("ready");
    expect(await bucketKeys(prefix)).toEqual([`${prefix}speech.flac`]);
    // KEEP_SOURCE off: the upload goes once the video is ready.
    await s3.send(new DeleteObjectCommand({ Bucket: "movio", Key: videoId }));
    const starts = standIn.calledWith("StartTranscriptionJob").length;
    const again = await transcribe(videoId, { regenerate: true });
    expect((await settled(again)).state).toBe("done");
    expect(standIn.calledWith("StartTranscriptionJob")).toHaveLength(starts + 1);
    const track = await autoTrack(videoId);
    expect(track).toMatchObject({ status: "ready", error_code: null });
    expect((await cuesOf(track!.id)).map((c) => c.text).join(" ")).toContain("lighthouse");
    expect(await bucketKeys(captionsPrefix(videoId, again))).toEqual([]);
  });

  it("a re-generation whose track was deleted before the job started does not bring it back", async () => {
    const { videoId } = await speakingVideo("en");
    await pendingAutoTrack(videoId);
    const jobId = await transcribe(videoId, { regenerate: true });
    await db().query("delete from subtitle_tracks where video_id = $1 and origin = 'auto'", [videoId]);
    startRunner();
    expect((await settled(jobId)).state).toBe("done");
    expect(await autoTrack(videoId)).toBeUndefined();
    expect(standIn.calls).toHaveLength(0);
    expect(logs.join("\n")).toContain("its auto track was deleted before the job started");
  });

  it("is queued at the first playable, once per upload, never at ready too, never when opted out or off", async () => {
    const on = autoCaptionsOnFirstPlayable(farmConfig({ AWS_TRANSCRIBE_ENDPOINT: standIn.url }));
    const off = autoCaptionsOnFirstPlayable(
      farmConfig({ AWS_TRANSCRIBE_ENDPOINT: standIn.url, TRANSCRIBE_ENABLED: "false" }),
    );
    const unconfigured = autoCaptionsOnFirstPlayable(farmConfig({}));
    const queue = new JobQueue(db(), "publisher", 10_000);
    /** A processing video's transcode publishes its first playable, then (later) ready. */
    const processing = async (hook: typeof on, opts: { optOut?: boolean; onlyReady?: boolean } = {}) => {
      const { videoId } = await speakingVideo("en");
      await db().query(
        "update videos set status = 'processing', media = null, auto_captions = $2 where id = $1",
        [videoId, !opts.optOut],
      );
      const store = new VideoStore(db(), undefined, undefined, hook);
      await enqueueJob(db(), { type: "transcode", videoId, payload: { sourceKey: videoId } });
      const job = (await queue.claim("transcode"))!;
      expect(job.videoId).toBe(videoId);
      const media = {
        dash: "d.mpd",
        hls: "h.m3u8",
        poster: null,
        storyboard: null,
        playableAt: "2026-12-07T00:00:00Z",
      };
      const result = { prefix: `media/${videoId}/a/`, durationMs: speech.durationMs, media, renditions: [] };
      const jobs = async () =>
        (await db().query("select 1 from jobs where type = 'transcribe_audio' and video_id = $1", [videoId]))
          .rowCount;
      if (!opts.onlyReady) expect(await store.publishPlayable(queue, job, result)).toBe(true);
      const atPlayable = await jobs();
      // A retried attempt's own first playable, then ready: nothing more is queued.
      if (!opts.onlyReady) expect(await store.publishPlayable(queue, job, result)).toBe(true);
      expect(await store.publish(queue, job, { ...result, subtitlesVersion: 0, mediaBytes: 1 })).toBe(true);
      return { atPlayable, atReady: await jobs() };
    };
    expect(await processing(on)).toEqual({ atPlayable: 1, atReady: 1 });
    // A video that only plays once ready (one rung, chunked) gets its job with that publish.
    expect(await processing(on, { onlyReady: true })).toEqual({ atPlayable: 0, atReady: 1 });
    expect(await processing(on, { optOut: true })).toEqual({ atPlayable: 0, atReady: 0 });
    expect(await processing(off)).toEqual({ atPlayable: 0, atReady: 0 });
    expect(await processing(unconfigured)).toEqual({ atPlayable: 0, atReady: 0 });
  });
});
