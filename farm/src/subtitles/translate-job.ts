/**
 * translate_subtitles: one track's cues → one machine track in another language, at exactly
 * the source cues' times. The per-video character cap is checked (and the characters
 * reserved) before anything is sent; the finished track replaces any earlier translation to
 * that language and is queued for publishing in one transaction, fenced on the job's lease.
 * A failure that retrying cannot fix ends that track with a code — never the video.
 */
import type { TranslateClient } from "@aws-sdk/client-translate";
import type pg from "pg";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import { translationEnabled } from "../../../shared/config/translation.ts";
import type { JobPayload } from "../../../shared/jobs/job-types.ts";
import { languageLabel, machineLabel } from "../../../shared/subtitles/languages.ts";
import type { JobQueue } from "../jobs/job-queue.ts";
import type { JobHandler } from "../jobs/job-runner.ts";
import { PermanentJobError } from "../jobs/permanent-job-error.ts";
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
    Parameters<typeof translationEnabled>[0];
  log: (line: string) => void;
  /** Request size and retry tuning; the defaults suit AWS. */
  translator?: Omit<TranslatorOptions, "log">;
}

export function translateHandler(deps: TranslateDeps): JobHandler<"translate_subtitles"> {
  const store = new TranslateStore(deps.db);
  const client = deps.client ?? createTranslateClient(deps.config);
  const translator = new Translator(client, { ...deps.translator, log: deps.log });
  const cap = deps.config.TRANSLATE_MAX_CHARS_PER_VIDEO;

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
      if (!(await store.videoLive(videoId))) return; // deleted since: nothing to translate for
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

      const plan = translator.plan(source.cues.map((cue) => cue.text));
      const reservation = await store.reserve(videoId, plan.chars, cap);
      if (!reservation.ok) {
        if ("videoGone" in reservation) return;
        throw new TranslationError(
          "translation_quota_exceeded",
          `Translating these subtitles takes ${plan.chars} characters; this video has used ` +
            `${reservation.used} of the ${cap} it may send to machine translation.`,
        );
      }
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
        stored = await store.storeReady(deps.queue, job, track, cues, sent - plan.chars);
        if (!stored) throw new Error("the job was taken over before its translation was stored");
        deps.log(
          `video ${videoId}: ${cues.length} cues translated ${from} → ${to} (${plan.batches.length} requests planned, ${sent} characters sent)`,
        );
      } finally {
        // Reserved but never sent (or sent again, one cue at a time): the count follows the sending.
        if (!stored) {
          await store.adjustChars(videoId, sent - plan.chars).catch((err: Error) => {
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
