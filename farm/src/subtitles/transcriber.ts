/**
 * The speech-recognition provider behind automatic captions, as the farm needs it: start a
 * batch job on audio already in the bucket, ask how it is doing, delete it. Amazon Transcribe
 * is the one implementation (transcribe-client.ts); a local engine can be another. Names are
 * chosen by the caller and stable across retries, so starting twice never bills twice: a
 * name that exists already is `already_started`, not an error.
 */

export interface TranscriptionRequest {
  /** Unique per account, [0-9a-zA-Z._-], ≤ 200 characters. */
  name: string;
  /** `s3://bucket/key` of the audio (mono 16 kHz FLAC). */
  mediaUri: string;
  mediaFormat: "flac" | "ogg";
  /** A Transcribe language code (`en-US`); absent: identify it among `languageOptions`. */
  languageCode?: string;
  languageOptions?: string[];
  outputBucket: string;
  outputKey: string;
  /** Label up to this many speakers (0 or absent: no speaker labels). */
  maxSpeakers?: number;
}

export type TranscriptionState =
  | { state: "running" }
  | { state: "completed"; languageCode?: string; outputKey?: string }
  | { state: "failed"; reason: string }
  | { state: "missing" };

export interface Transcriber {
  /** Starts the job; `already_started` when a job of that name exists (an earlier attempt's). */
  start(request: TranscriptionRequest, signal?: AbortSignal): Promise<"started" | "already_started">;
  status(name: string, signal?: AbortSignal): Promise<TranscriptionState>;
  /** Deletes the job (cancels it when it is still running); a missing job is no error. */
  remove(name: string, signal?: AbortSignal): Promise<void>;
}

/** A request the provider will never accept (a language it cannot do, bad media): the track says why. */
export class TranscriptionRefused extends Error {
  override name = "TranscriptionRefused";
  constructor(
    readonly code: "unsupported_language" | "transcription_rejected" | "transcription_access_denied",
    message: string,
  ) {
    super(message);
  }
}
