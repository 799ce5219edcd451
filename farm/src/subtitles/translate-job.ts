/**
 * translate_subtitles: one track's cues → one machine track in another language, at exactly
 * the source cues' times. The per-video character cap is checked (and the characters
 * reserved) before anything is sent; the finished track replaces any earlier translation to
 * that language and is queued for publishing in one transaction, fenced on the job's lease.
 * A failure that retrying cannot fix ends that track with a code — never the video.
 * Besides the video's cap, its owner's month is capped (TRANSLATE_MONTHLY_CHARS, a ledger
 * that deleting videos never lowers); a video translates only once its upload is processing
 * or ready; and a translation that would add a track past SUBTITLE_MAX_TRACKS is skipped.
 */
import type { TranslateClient } from "@aws-sdk/client-translate";
import type pg from "pg";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import { translationEnabled } from "../../../shared/config/translation.ts";
import type { JobPayload } from "../../../shared/jobs/job-types.ts";
import { languageLabel, machineLabel } from "../../../shared/subtitles/languages.ts";
import type { JobQueue } from "../queue/job-queue.ts";
import type { JobHandler } from "../queue/job-runner.ts";
import { PermanentJobError } from "../queue/permanent-job-error.ts";
import { createTranslateClient } from "./translate-client.ts";
import { awsLanguageCode } from "./translate-languages.ts";
import { type MachineTrack, TranslateStore } from "./translate-store.ts";
import { TranslationError, Translator, type TranslatorOptions } from "./translator.ts";

export interface TranslateDeps {
  db: pg.Pool;
  queue: JobQueue;
  /** The AWS Translate client; by default one made from the config, the node's only one. */
  client?: TranslateClient;
  config: Pick<FarmConfig, "TRANSLATE_MAX_CHARS_PER_VIDEO" | "AWS_REGION" | "AWS_TRANSLATE_ENDPOINT"> &
    Partial<Pick<FarmConfig, "TRANSLATE_MONTHLY_CHARS" | "SUBTITLE_MAX_TRACKS">> &
    Parameters<typeof translationEnabled>[0];
  log: (line: string) => void;
  /** Request size and retry tuning; the defaults suit AWS. */
  translator?: Omit<TranslatorOptions, "log">;
}

export function translateHandler(deps: TranslateDeps): JobHandler<"translate_subtitles"> {
  const store = new TranslateStore(deps.db, deps.config.SUBTITLE_MAX_TRACKS);
  const client = deps.client ?? createTranslateClient(deps.config);
  const translator = new Translator(client, { ...deps.translator, log: deps.log });
  const cap = deps.config.TRANSLATE_MAX_CHARS_PER_VIDEO;
  const monthly = deps.config.TRANSLATE_MONTHLY_CHARS ?? Number.MAX_SAFE_INTEGER;

  const machineTrack = async (videoId: string, payload: JobPayload<"translate_subtitles">) => {
    const source = await store.source(videoId, payload.sourceTrackId);
    const track: MachineTrack = {
      videoId,
      language: payload.to,
      label: machineLabel(payload.to),
      kind: source?.kind ?? "subtitles", // a translation of captions still describes the sounds
      sourceTrackId: payload.sourceTrackId,
    };
    return { source, track };
  };

  return {
    async run(job, { signal }) {
      const videoId = job.videoId;
      if (!videoId) throw new PermanentJobError("job has no video");
      const status = await store.videoStatus(videoId);
      if (!status) return; // deleted since: nothing to translate for
      if (status !== "processing" && status !== "ready") {
        throw new TranslationError(
          "video_not_ready",
          `The video is ${status.replace("_", " ")}: translations start once its upload is processing.`,
        );
      }
      if (!translationEnabled(deps.config)) {
        throw new TranslationError(
          "translation_not_configured",
          "Machine translation is not configured on this farm (no AWS credentials or AWS_TRANSLATE_ENDPOINT).",
        );
      }
      const { source, track } = await machineTrack(videoId, job.payload);
      if (!source) {
        throw new TranslationError(
          "source_track_missing",
          "The subtitle track to translate from no longer exists.",
        );
      }
      if (source.status !== "ready") {
        throw new TranslationError(
          "source_track_not_ready",
          `The subtitle track to translate from is ${source.status}, not ready.`,
        );
      }
      const from = source.language ? awsLanguageCode(source.language) : "auto";
      const to = awsLanguageCode(job.payload.to);
      if (from === to) {
        throw new TranslationError(
          "same_language",
          `The subtitles are already in ${languageLabel(job.payload.to)}.`,
        );
      }

      if (!(await store.roomFor(track))) {
        // No track to mark failed (there is no room for one): the job's error says why.
        deps.log(`video ${videoId}: translation to ${job.payload.to} skipped: too many subtitle tracks`);
        throw new TranslationError(
          "too_many_tracks",
          `Not translated to ${languageLabel(job.payload.to)}: the video already has the most subtitle tracks it may have (SUBTITLE_MAX_TRACKS).`,
        );
      }

      const plan = translator.plan(source.cues.map((cue) => cue.text));
      const reservation = await store.reserve(videoId, plan.chars, { perVideo: cap, monthly });
      if (!reservation.ok) {
        if ("videoGone" in reservation) return;
        if (reservation.over === "month") {
          throw new TranslationError(
            "quota_exceeded",
            `Translating these subtitles takes ${plan.chars} characters; the video's owner has sent ` +
              `${reservation.used} of the ${monthly} characters a month allows to machine translation ` +
              "(TRANSLATE_MONTHLY_CHARS). It starts again next month.",
          );
        }
        throw new TranslationError(
          "translation_quota_exceeded",
          `Translating these subtitles takes ${plan.chars} characters; this video has used ` +
            `${reservation.used} of the ${cap} it may send to machine translation.`,
        );
      }
      const month = reservation.month;
      let sent = 0;
      let stored = false;
      try {
        await store.markPending(track);
        const texts = await translator.translate(plan, { from, to, signal, onSent: (n) => (sent += n) });
        signal.throwIfAborted();
        const cues = source.cues.map((cue, i) => ({
          startMs: cue.startMs,
          endMs: cue.endMs,
          text: texts[i] ?? "",
        }));
        stored = await store.storeReady(deps.queue, job, track, cues, { delta: sent - plan.chars, month });
        if (!stored) throw new Error("the job was taken over before its translation was stored");
        deps.log(
          `video ${videoId}: ${cues.length} cues translated ${from} → ${to} (${plan.batches.length} requests planned, ${sent} characters sent)`,
        );
      } finally {
        // Reserved but never sent (or sent again, one cue at a time): the count follows the sending.
        if (!stored) {
          await store.adjustChars(videoId, sent - plan.chars, month).catch((err: Error) => {
            deps.log(`video ${videoId}: could not correct the translated character count: ${err.message}`);
          });
        }
      }
    },

    async giveUp(job, error) {
      if (!job.videoId) return;
      const { track } = await machineTrack(job.videoId, job.payload);
      const failure =
        error instanceof TranslationError
          ? { code: error.code, message: error.message }
          : { code: "translation_failed", message: `Translation failed: ${error.message.split("\n")[0]}` };
      await store.markFailed(track, failure.code, failure.message);
      deps.log(`video ${job.videoId}: translation to ${job.payload.to} failed: ${failure.code}`);
    },
  };
}
