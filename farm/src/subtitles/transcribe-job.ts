/**
 * transcribe_audio: a video's speech → its `auto` subtitle track (Amazon Transcribe behind
 * the Transcriber interface). Two phases in one job type:
 *   begin — decide whether to transcribe (captions on, no opt-out, no text track in the
 *   spoken language, not too long, minutes left this month), write mono 16 kHz FLAC to the
 *   bucket, start the provider's job, and re-queue itself with a delay (RescheduleJob);
 *   poll  — ask GetTranscriptionJob, re-queue with a growing delay while it runs (no farm
 *   slot held while waiting), then read the transcript, make readable cues, and store the
 *   track (fenced, with its publish and translations) — unless a person edited it meanwhile.
 * The provider's job name is derived from our job's id and kept in the payload, so a retried
 * or resumed attempt (farm restart) finds the same job: never a second bill. Deleting the
 * video or the track cancels the provider's job and removes the files at the next poll.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import { transcriptionEnabled } from "../../../shared/config/transcription.ts";
import { translationEnabled } from "../../../shared/config/translation.ts";
import type { JobPayload } from "../../../shared/jobs/job-types.ts";
import { autoLabel, languageLabel } from "../../../shared/subtitles/languages.ts";
import type { Ffmpeg } from "../media/ffmpeg.ts";
import type { Job, JobQueue } from "../queue/job-queue.ts";
import type { JobHandler } from "../queue/job-runner.ts";
import { RescheduleJob } from "../queue/reschedule-job.ts";
import { withWorkDir } from "../scratch.ts";
import { mediaPrefix } from "../storage/media-keys.ts";
import type { ObjectStorage } from "../storage/object-storage.ts";
import { serveSource } from "../transcode/source-server.ts";
import { SPEECH_AUDIO_NAME, writeSpeechAudio } from "./speech-audio.ts";
import { AwsTranscriber, createTranscribeClient } from "./transcribe-client.ts";
import { sameLanguage, transcribeLanguageCode } from "./transcribe-languages.ts";
import { type CaptionVideo, TranscribeStore } from "./transcribe-store.ts";
import { type Transcriber, TranscriptionRefused } from "./transcriber.ts";
import { readTranscript } from "./transcript.ts";
import { cuesFromWords } from "./transcript-cues.ts";

export interface TranscribeDeps {
  db: pg.Pool;
  queue: JobQueue;
  storage: ObjectStorage;
  ffmpeg: Ffmpeg;
  /** The provider; by default Amazon Transcribe made from the config. */
  transcriber?: Transcriber;
  config: Pick<
    FarmConfig,
    | "S3_BUCKET"
    | "FARM_TMP_DIR"
    | "AWS_REGION"
    | "AWS_TRANSCRIBE_ENDPOINT"
    | "TRANSCRIBE_ENABLED"
    | "TRANSCRIBE_LANGUAGE_OPTIONS"
    | "TRANSCRIBE_MONTHLY_MINUTES"
    | "TRANSCRIBE_MAX_DURATION_S"
    | "TRANSCRIBE_POLL_BASE_MS"
    | "TRANSCRIBE_POLL_CAP_MS"
    | "TRANSCRIBE_MAX_WAIT_S"
    | "TRANSCRIBE_MAX_SPEAKERS"
    | "SUBTITLE_MAX_TRACKS"
    | "AWS_TRANSLATE_ENDPOINT"
  > &
    Parameters<typeof transcriptionEnabled>[0];
  log: (line: string) => void;
}

type Payload = JobPayload<"transcribe_audio">;

/** Unique per account and stable for the job: a retried start finds its own job. */
export const providerJobName = (videoId: string, jobId: number) => `movio-${videoId}-${jobId}`;

/** Where one transcription keeps its audio and transcript, under the video's own prefix. */
export const captionsPrefix = (videoId: string, jobId: number) => `${mediaPrefix(videoId)}captions-${jobId}/`;

export function transcribeHandler(deps: TranscribeDeps): JobHandler<"transcribe_audio"> {
  const store = new TranscribeStore(deps.db);
  const transcriber = deps.transcriber ?? new AwsTranscriber(createTranscribeClient(deps.config));
  const { config, log } = deps;

  const pollDelay = (polls: number) =>
    Math.min(config.TRANSCRIBE_POLL_CAP_MS, Math.round(config.TRANSCRIBE_POLL_BASE_MS * 1.5 ** polls));

  /** The provider's job and our files go (done, failed, cancelled). Best effort: logged. */
  const cleanUp = async (payload: Payload) => {
    if (payload.providerJob) {
      await transcriber.remove(payload.providerJob).catch((err: Error) => {
        log(`could not delete transcription job ${payload.providerJob}: ${err.message}`);
      });
    }
    const keys = [payload.audioKey, payload.outputKey].filter((k): k is string => Boolean(k));
    await deps.storage.deleteKeys(keys).catch((err: Error) => {
      log(`could not delete transcription files ${keys.join(", ")}: ${err.message}`);
    });
  };

  async function begin(job: Job<"transcribe_audio">, video: CaptionVideo, signal: AbortSignal) {
    const videoId = job.videoId as string;
    const payload = job.payload;
    const language = video.language;
    const track = { language, label: autoLabel(language) };
    if (!transcriptionEnabled(config)) {
      log(`video ${videoId}: no automatic captions (not configured on this farm)`);
      if (payload.regenerate) {
        await store.markEnded(
          videoId,
          track,
          "failed",
          "captions_unavailable",
          "Automatic captions are off.",
        );
      }
      return;
    }
    if (!payload.regenerate) {
      if (!video.wanted) return void log(`video ${videoId}: no automatic captions (opted out)`);
      if (await store.hasTextTrack(videoId, language)) {
        return void log(`video ${videoId}: no automatic captions (it has subtitles in its language)`);
      }
    }
    const existing = await store.autoTrack(videoId);
    // A re-generation is asked for on a track (the edge makes it pending): deleted before
    // this job started, it stays deleted.
    if (payload.regenerate && !existing) {
      return void log(`video ${videoId}: its auto track was deleted before the job started; not transcribed`);
    }
    if (existing?.edited) {
      return void log(`video ${videoId}: its captions were edited (reviewed); not transcribed again`);
    }
    const languageCode = language ? transcribeLanguageCode(language) : undefined;
    if (language && !languageCode) {
      const message = `Amazon Transcribe cannot recognise ${languageLabel(language)} speech.`;
      return store.markEnded(videoId, track, "unsupported", "unsupported_language", message);
    }
    if (video.durationMs === null) throw new Error("the video's duration is not known yet");
    if (video.durationMs > config.TRANSCRIBE_MAX_DURATION_S * 1000) {
      const message = `The video is longer than the ${Math.round(config.TRANSCRIBE_MAX_DURATION_S / 60)} minutes automatic captions take (TRANSCRIBE_MAX_DURATION_S).`;
      return store.markEnded(videoId, track, "unsupported", "video_too_long", message);
    }
    // The upload is kept while the video processes; once ready it goes unless KEEP_SOURCE. The
    // speech audio of an earlier transcription, kept with the media, serves a re-generation then.
    const keptAudio = video.storagePrefix ? `${video.storagePrefix}${SPEECH_AUDIO_NAME}` : undefined;
    const stored = async (key: string | null | undefined) =>
      key ? (await deps.storage.objectSize(key)) !== undefined : false;
    const readFrom = (await stored(video.sourceKey))
      ? video.sourceKey
      : (await stored(keptAudio))
        ? keptAudio
        : undefined;
    if (!readFrom) {
      const message =
        "The uploaded file is no longer stored (KEEP_SOURCE is off) and no speech audio was kept from an earlier transcription, so there is no audio to transcribe.";
      return store.markEnded(videoId, track, "failed", "source_unavailable", message);
    }
    const seconds = Math.ceil(video.durationMs / 1000);
    const reserved = await store.reserve(video.ownerId, seconds, config.TRANSCRIBE_MONTHLY_MINUTES * 60);
    if (!reserved.ok) {
      const message =
        `Captioning this video takes ${Math.ceil(seconds / 60)} minutes; its owner has used ` +
        `${Math.ceil(reserved.used / 60)} of the ${config.TRANSCRIBE_MONTHLY_MINUTES} minutes a month allows (TRANSCRIBE_MONTHLY_MINUTES).`;
      return store.markEnded(videoId, track, "failed", "quota_exceeded", message);
    }
    const trackId = await store.markPending(videoId, language, track.label, config.SUBTITLE_MAX_TRACKS);
    if (trackId === "deleted" || trackId === "full") {
      await store.refund(video.ownerId, seconds);
      if (trackId === "full") {
        log(
          `video ${videoId}: no automatic captions (it has SUBTITLE_MAX_TRACKS=${config.SUBTITLE_MAX_TRACKS} subtitle tracks already)`,
        );
      }
      return;
    }

    const prefix = captionsPrefix(videoId, job.id);
    const name = providerJobName(videoId, job.id);
    const audioKey = `${prefix}${SPEECH_AUDIO_NAME}`;
    const outputKey = `${prefix}transcript.json`;
    try {
      const hasAudio = await withWorkDir(config.FARM_TMP_DIR, async (dir) => {
        const out = path.join(dir, "out");
        await mkdir(out);
        // Read by ranges through a loopback server, as the transcode does: never downloaded whole.
        const source = await serveSource(deps.storage, readFrom, signal);
        try {
          const written = await writeSpeechAudio(deps.ffmpeg, source.url, out, signal, "source-over-http");
          source.assertWhole(); // not captions of a track cut short by a broken read
          if (!written) return false;
        } finally {
          await source.close();
        }
        await deps.storage.publishDirectory(out, prefix, { signal });
        if (keptAudio && readFrom !== keptAudio) {
          await deps.storage.putFile(keptAudio, path.join(out, SPEECH_AUDIO_NAME), { signal });
        }
        return true;
      });
      if (!hasAudio) {
        await store.refund(video.ownerId, seconds);
        return store.markEnded(
          videoId,
          { id: trackId, ...track },
          "unsupported",
          "no_audio",
          "The video has no sound.",
        );
      }
      await transcriber.start(
        {
          name,
          mediaUri: `s3://${config.S3_BUCKET}/${audioKey}`,
          mediaFormat: "flac",
          ...(languageCode ? { languageCode } : { languageOptions: config.TRANSCRIBE_LANGUAGE_OPTIONS }),
          outputBucket: config.S3_BUCKET,
          outputKey,
          ...(config.TRANSCRIBE_MAX_SPEAKERS > 1 ? { maxSpeakers: config.TRANSCRIBE_MAX_SPEAKERS } : {}),
        },
        signal,
      );
    } catch (err) {
      // Nothing was transcribed: the minutes go back (a retry reserves them again).
      await store.refund(video.ownerId, seconds);
      if (!(err instanceof TranscriptionRefused)) throw err;
      await cleanUp({ audioKey });
      const status = err.code === "unsupported_language" ? "unsupported" : "failed";
      return store.markEnded(videoId, { id: trackId, ...track }, status, err.code, err.message);
    }
    await store.setProviderJob(trackId, name);
    log(`video ${videoId}: transcription ${name} started (${languageCode ?? "language to identify"})`);
    throw new RescheduleJob(pollDelay(0), {
      ...payload,
      trackId,
      providerJob: name,
      audioKey,
      outputKey,
      polls: 0,
      startedAt: new Date().toISOString(),
      reservedSeconds: seconds,
    } satisfies Payload);
  }

  async function poll(job: Job<"transcribe_audio">, video: CaptionVideo | undefined, signal: AbortSignal) {
    const videoId = job.videoId as string;
    const payload = job.payload;
    const name = payload.providerJob as string;
    const track = payload.trackId ? await store.autoTrack(videoId, payload.trackId) : undefined;
    if (!video || video.deleted || !track) {
      await cleanUp(payload);
      return void log(
        `video ${videoId}: transcription ${name} cancelled (the video or its track was deleted)`,
      );
    }
    const ended = { id: track.id, language: track.language, label: autoLabel(track.language) };
    const state = await transcriber.status(name, signal);
    if (state.state === "running") {
      const waited = Date.now() - Date.parse(payload.startedAt ?? new Date().toISOString());
      if (waited > config.TRANSCRIBE_MAX_WAIT_S * 1000) {
        await cleanUp(payload);
        const message = `Amazon Transcribe did not finish within ${Math.round(config.TRANSCRIBE_MAX_WAIT_S / 60)} minutes.`;
        return store.markEnded(videoId, ended, "failed", "transcription_timeout", message);
      }
      const polls = (payload.polls ?? 0) + 1;
      throw new RescheduleJob(pollDelay(polls), { ...payload, polls } satisfies Payload);
    }
    if (state.state !== "completed") {
      await cleanUp(payload);
      const message =
        state.state === "failed"
          ? `Amazon Transcribe could not transcribe the audio: ${state.reason}`
          : "The transcription job no longer exists at Amazon Transcribe.";
      return store.markEnded(videoId, ended, "failed", "transcription_failed", message);
    }
    const transcript = readTranscript(JSON.parse(await deps.storage.readText(payload.outputKey as string)));
    const identified = state.languageCode ?? transcript.language;
    const language = video.language ?? (identified ? (identified.split("-")[0] ?? identified) : null);
    const cues = cuesFromWords(transcript.words, video.durationMs ?? undefined);
    if (cues.length === 0) {
      await cleanUp(payload);
      return store.markEnded(
        videoId,
        ended,
        "unsupported",
        "no_speech",
        "No speech was recognised in the audio.",
      );
    }
    // Translations asked for at creation start from this track when it is the best there is.
    const translateTo =
      translationEnabled(config) && !(await store.hasTextTrack(videoId, null))
        ? video.translateTo.filter((to) => !sameLanguage(to, language))
        : [];
    const outcome = await store.storeReady(deps.queue, job, {
      videoId,
      trackId: track.id,
      language,
      label: autoLabel(language),
      cues,
      translateTo,
    });
    await cleanUp(payload);
    if (outcome === "lost") throw new Error("the job was taken over before its captions were stored");
    log(
      `video ${videoId}: transcription ${name} ${outcome === "stored" ? `stored, ${cues.length} cues` : outcome}`,
    );
  }

  return {
    async run(job, { signal }) {
      const videoId = job.videoId;
      if (!videoId) return;
      const video = await store.video(videoId);
      if (job.payload.providerJob) return poll(job, video, signal);
      if (!video || video.deleted) return;
      if (video.status !== "processing" && video.status !== "ready") return;
      return begin(job, video, signal);
    },

    async giveUp(job, error) {
      if (!job.videoId) return;
      await cleanUp(job.payload);
      const track = job.payload.trackId ? await store.autoTrack(job.videoId, job.payload.trackId) : undefined;
      const video = await store.video(job.videoId);
      const language = track?.language ?? video?.language ?? null;
      await store.markEnded(
        job.videoId,
        { ...(track ? { id: track.id } : {}), language, label: autoLabel(language) },
        "failed",
        "transcription_failed",
        `Automatic captions failed: ${error.message.split("\n")[0]}`,
      );
    },
  };
}
