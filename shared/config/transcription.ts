/**
 * Automatic captions (speech → subtitles with Amazon Transcribe): the variables both sides
 * read, in one place, and the one rule for whether they are on — the global switch
 * (TRANSCRIBE_ENABLED, default on) and, like translation, an endpoint override (a local
 * stand-in) or AWS credentials named. Nothing configured: off, and capabilities say so.
 */
import { z } from "zod";
import { booleanFlag, optionalString, positiveInt } from "./env-types.ts";
import { hasAwsCredentials } from "./translation.ts";

/** Transcribe's language codes for IdentifyLanguage when a video does not say its language. */
const DEFAULT_LANGUAGE_OPTIONS = "en-US,en-GB,es-US,es-ES,fr-FR,de-DE,it-IT,pt-BR,ja-JP";

const languageList = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v : DEFAULT_LANGUAGE_OPTIONS))
  .pipe(
    z
      .string()
      .transform((v) =>
        v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(
        z
          .array(z.string().regex(/^[a-z]{2,3}-[A-Z]{2}$/, "must be Transcribe codes such as en-US"))
          .min(2, "IdentifyLanguage needs at least 2 LanguageOptions")
          .max(30),
      ),
  );

export const transcriptionConfigFields = {
  /** Endpoint override for Amazon Transcribe (a local stand-in, tests). */
  AWS_TRANSCRIBE_ENDPOINT: optionalString.pipe(z.url().optional()),
  /** The global switch: false turns automatic captions off whatever else is set. */
  TRANSCRIBE_ENABLED: booleanFlag(true),
  /** LanguageOptions for IdentifyLanguage (videos without a language), comma-separated. */
  TRANSCRIBE_LANGUAGE_OPTIONS: languageList,
  /** Minutes of speech one user may have transcribed per calendar month (UTC). */
  TRANSCRIBE_MONTHLY_MINUTES: positiveInt(600),
  /** Videos longer than this get no automatic captions (a track `unsupported` says why). */
  TRANSCRIBE_MAX_DURATION_S: positiveInt(4 * 3600),
};

type TranscriptionEnv = Parameters<typeof hasAwsCredentials>[0] & {
  AWS_TRANSCRIBE_ENDPOINT?: unknown;
  TRANSCRIBE_ENABLED?: boolean;
};

export function transcriptionEnabled(env: TranscriptionEnv): boolean {
  if (env.TRANSCRIBE_ENABLED === false) return false;
  return Boolean(env.AWS_TRANSCRIBE_ENDPOINT) || hasAwsCredentials(env);
}

/** Why captions are off, for the start-up log line; undefined when they are on. */
export function transcriptionOffReason(env: TranscriptionEnv): string | undefined {
  if (env.TRANSCRIBE_ENABLED === false) return "TRANSCRIBE_ENABLED=false";
  if (!transcriptionEnabled(env)) return "no AWS credentials and no AWS_TRANSCRIBE_ENDPOINT";
  return undefined;
}
