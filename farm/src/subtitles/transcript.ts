/**
 * An Amazon Transcribe transcript (the JSON file a batch job writes to OutputKey), read into
 * timed words. Only `results.items` carry times: pronunciations have start_time/end_time
 * (strings, in seconds), punctuation has none and belongs to the word before it. Speakers
 * come from the items' `speaker_label` (newer files) or from `speaker_labels.segments`
 * (older ones), matched by start time. Anything else in the file is ignored; a file that is
 * not a transcript is an error, never a half-read track.
 */
import { z } from "zod";

const seconds = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    ctx.addIssue({ code: "custom", message: `not a time in seconds: ${v}` });
    return z.NEVER;
  }
  return Math.round(n * 1000);
});

const item = z.object({
  type: z.enum(["pronunciation", "punctuation"]),
  start_time: seconds.optional(),
  end_time: seconds.optional(),
  alternatives: z.array(z.object({ content: z.string() })).min(1),
  speaker_label: z.string().optional(),
});

export const transcriptSchema = z.object({
  results: z.object({
    transcripts: z.array(z.object({ transcript: z.string() })).default([]),
    items: z.array(item),
    speaker_labels: z
      .object({
        segments: z
          .array(
            z.object({
              items: z.array(z.object({ start_time: seconds, speaker_label: z.string() })).default([]),
            }),
          )
          .default([]),
      })
      .optional(),
    language_code: z.string().optional(),
  }),
});

export type TranscriptJson = z.input<typeof transcriptSchema>;

/** One spoken word, with the punctuation written after it. */
export interface TimedWord {
  text: string;
  startMs: number;
  endMs: number;
  /** The word ends a sentence (`.`, `?`, `!`, `…` after it). */
  sentenceEnd: boolean;
  speaker?: string;
}

export class TranscriptError extends Error {
  override name = "TranscriptError";
}

/** The transcript's words in order; throws TranscriptError when the file is not a transcript. */
export function readTranscript(json: unknown): { words: TimedWord[]; language?: string } {
  const parsed = transcriptSchema.safeParse(json);
  if (!parsed.success) {
    throw new TranscriptError(`not an Amazon Transcribe transcript: ${parsed.error.issues[0]?.message}`);
  }
  const { items, speaker_labels, language_code } = parsed.data.results;
  const speakerAt = new Map<number, string>();
  for (const segment of speaker_labels?.segments ?? []) {
    for (const s of segment.items) speakerAt.set(s.start_time, s.speaker_label);
  }
  const words: TimedWord[] = [];
  for (const it of items) {
    const content = it.alternatives[0]?.content.trim() ?? "";
    if (!content) continue;
    if (it.type === "punctuation") {
      const last = words.at(-1);
      if (!last) continue; // punctuation before any word has nothing to attach to
      last.text += content;
      if (/[.?!…]$/.test(content)) last.sentenceEnd = true;
      continue;
    }
    if (it.start_time === undefined || it.end_time === undefined) {
      throw new TranscriptError("a pronunciation item has no start_time or end_time");
    }
    const speaker = it.speaker_label ?? speakerAt.get(it.start_time);
    words.push({
      text: content,
      startMs: it.start_time,
      endMs: Math.max(it.start_time, it.end_time),
      sentenceEnd: false,
      ...(speaker ? { speaker } : {}),
    });
  }
  return { words, ...(language_code ? { language: language_code } : {}) };
}
