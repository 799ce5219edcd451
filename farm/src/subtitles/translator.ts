/**
 * Translates a track's cue texts with AWS Translate: planned into requests under the size
 * limit (translate-batches.ts), sent one after another, each answer checked to hold exactly
 * the cues sent. A batch that comes back otherwise is sent again one cue per request, where
 * no boundary can be lost. Errors that pass with time get the SDK's retries and then a few
 * rounds of ours with a longer backoff; what is left is thrown as an ordinary error for the
 * job's own retries. Errors that will not pass end the translation with a code.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type TranslateClient, TranslateTextCommand } from "@aws-sdk/client-translate";
import { PermanentJobError } from "../queue/permanent-job-error.ts";
import {
  type Batch,
  CueTooLongError,
  cueElement,
  planBatches,
  readReply,
  readSingleReply,
  TRANSLATE_TEXT_MAX_BYTES,
} from "./translate-batches.ts";
import { permanentFailure, type TranslationErrorCode } from "./translate-client.ts";

/** A translation that cannot succeed; its code and message go on the machine track. */
export class TranslationError extends PermanentJobError {
  override name = "TranslationError";
  constructor(
    readonly code: TranslationErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface TranslatorOptions {
  maxBytes?: number;
  /** Rounds of SDK attempts per request before the job's own retry takes over (default 3). */
  rounds?: number;
  /** Pause after a failed round n: between half and all of base·2^(n-1) (default 2 s). */
  roundBackoffMs?: number;
  log?: (line: string) => void;
}

export interface TranslationPlan {
  cueTexts: string[];
  batches: Batch[];
  /** Characters the batches send: what the per-video cap is checked against. */
  chars: number;
}

export interface TranslationRun {
  /** AWS language code, or `auto` to have the service detect it. */
  from: string;
  to: string;
  signal: AbortSignal;
  /** Called after every answered request with the characters it sent (billed, so counted). */
  onSent: (chars: number) => void;
}

/** Characters as AWS counts them: code points, markup included (a conservative count). */
export const countChars = (text: string) =>
  text.length - (text.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0);

export class Translator {
  private readonly maxBytes: number;
  private readonly rounds: number;
  private readonly roundBackoffMs: number;
  private readonly log: (line: string) => void;

  constructor(
    private readonly client: TranslateClient,
    options: TranslatorOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? TRANSLATE_TEXT_MAX_BYTES;
    this.rounds = options.rounds ?? 3;
    this.roundBackoffMs = options.roundBackoffMs ?? 2000;
    this.log = options.log ?? (() => undefined);
  }

  plan(cueTexts: string[]): TranslationPlan {
    try {
      const batches = planBatches(cueTexts, this.maxBytes);
      return { cueTexts, batches, chars: batches.reduce((sum, b) => sum + countChars(b.text), 0) };
    } catch (err) {
      if (err instanceof CueTooLongError) {
        throw new TranslationError(
          "translation_text_too_long",
          `Cue ${err.cue + 1} is too long to translate.`,
        );
      }
      throw err;
    }
  }

  /** The translated cue texts, in the plan's order. */
  async translate(plan: TranslationPlan, run: TranslationRun): Promise<string[]> {
    const out = [...plan.cueTexts]; // cues in no batch (nothing to translate) stay as they are
    let from = run.from;
    for (const batch of plan.batches) {
      let texts: string[] | undefined;
      try {
        const reply = await this.request(batch.text, from, run);
        // Detected once, then fixed: every batch is read as the same language, and the
        // short single-cue requests below are not left to a detection of their own. (Not
        // when it is the target itself: that would make every later request a same-language pair.)
        if (from === "auto" && reply.source && reply.source !== "auto" && reply.source !== run.to) {
          from = reply.source;
        }
        texts = batch.cues.length === 1 ? [readSingleReply(reply.text)] : readReply(batch, reply.text);
        if (!texts)
          this.log(`a reply to ${batch.cues.length} cues did not hold them all; sending them one by one`);
      } catch (err) {
        // The service counts size its own way; one cue per request still fits.
        if (
          !(
            err instanceof TranslationError &&
            err.code === "translation_text_too_long" &&
            batch.cues.length > 1
          )
        ) {
          throw err;
        }
        this.log(`a ${batch.cues.length}-cue request was refused as too long; sending its cues one by one`);
      }
      if (texts) {
        batch.cues.forEach((cue, i) => {
          out[cue] = texts[i] ?? "";
        });
        continue;
      }
      for (const cue of batch.cues) {
        const reply = await this.request(cueElement(cue, plan.cueTexts[cue] ?? ""), from, run);
        out[cue] = readSingleReply(reply.text);
      }
    }
    return out;
  }

  /** One TranslateText call with our retry rounds around the SDK's own retries. */
  private async request(
    text: string,
    from: string,
    run: TranslationRun,
  ): Promise<{ text: string; source?: string }> {
    for (let round = 1; ; round++) {
      run.signal.throwIfAborted();
      let answer: { TranslatedText?: string; SourceLanguageCode?: string };
      try {
        answer = await this.client.send(
          new TranslateTextCommand({ Text: text, SourceLanguageCode: from, TargetLanguageCode: run.to }),
          { abortSignal: run.signal },
        );
      } catch (err) {
        if (run.signal.aborted) throw run.signal.reason ?? err;
        const permanent = permanentFailure(err);
        if (permanent) throw new TranslationError(permanent.code, permanent.message);
        const why = `${(err as Error).name}: ${(err as Error).message}`;
        if (round >= this.rounds)
          throw new Error(`AWS Translate kept failing (${this.rounds} rounds): ${why}`);
        const pause = Math.round(this.roundBackoffMs * 2 ** (round - 1) * (0.5 + Math.random() / 2));
        this.log(`AWS Translate failed (${why}); trying again in ${pause} ms`);
        await sleep(pause, undefined, { signal: run.signal });
        continue;
      }
      run.onSent(countChars(text));
      return { text: answer.TranslatedText ?? "", source: answer.SourceLanguageCode };
    }
  }
}
