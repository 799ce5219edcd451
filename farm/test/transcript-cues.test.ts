/**
 * Transcript → cues on the shapes Amazon Transcribe documents: items with times for
 * pronunciations and none for punctuation, with and without punctuation, a long monologue
 * with no pause, music between speech, and several speakers (labels on the items, or only in
 * speaker_labels.segments as older transcripts have them). Every result is checked against
 * every rule, not only the expected text.
 */
import { describe, expect, it } from "vitest";
import type { Cue } from "../../shared/subtitles/cue.ts";
import { readTranscript, TranscriptError, type TranscriptJson } from "../src/subtitles/transcript.ts";
import {
  cuesFromWords,
  MAX_CUE_MS,
  MAX_LINE_CHARS,
  MIN_CUE_MS,
  wrap,
} from "../src/subtitles/transcript-cues.ts";

type Spoken = [word: string, start: number, end: number, speaker?: string] | string;

/** Items as AWS writes them: times as strings in seconds, punctuation without times. */
function transcript(spoken: Spoken[], options: { segments?: boolean } = {}): TranscriptJson {
  const items = spoken.map((s) =>
    typeof s === "string"
      ? { type: "punctuation" as const, alternatives: [{ confidence: "0.0", content: s }] }
      : {
          type: "pronunciation" as const,
          start_time: s[1].toFixed(3),
          end_time: s[2].toFixed(3),
          alternatives: [{ confidence: "0.99", content: s[0] }],
          ...(s[3] && !options.segments ? { speaker_label: s[3] } : {}),
        },
  );
  const labelled = spoken.filter(
    (s): s is [string, number, number, string] => typeof s !== "string" && !!s[3],
  );
  return {
    results: {
      transcripts: [{ transcript: "…" }],
      items,
      ...(options.segments
        ? {
            speaker_labels: {
              segments: labelled.map((s) => ({
                items: [{ start_time: s[1].toFixed(3), speaker_label: s[3] }],
              })),
            },
          }
        : {}),
    },
  };
}

/** Words spoken back to back from `start`, `each` seconds apart, no pause. */
function monologue(text: string, start: number, each = 0.3): Spoken[] {
  return text.split(" ").map((w, i) => [w, start + i * each, start + i * each + each * 0.9]);
}

function cuesOf(json: TranscriptJson, durationMs?: number): Cue[] {
  return cuesFromWords(readTranscript(json).words, durationMs);
}

/** Every rule, on every cue. */
function expectReadable(cues: Cue[]) {
  for (const [i, cue] of cues.entries()) {
    expect(cue.endMs - cue.startMs, `cue ${i} duration`).toBeLessThanOrEqual(MAX_CUE_MS);
    expect(cue.endMs - cue.startMs, `cue ${i} duration`).toBeGreaterThanOrEqual(MIN_CUE_MS);
    const lines = cue.text.split("\n");
    expect(lines.length, `cue ${i} lines`).toBeLessThanOrEqual(2);
    for (const line of lines) expect(line.length, `cue ${i}: ${line}`).toBeLessThanOrEqual(MAX_LINE_CHARS);
    const next = cues[i + 1];
    if (next) expect(next.startMs, `cue ${i + 1} overlaps cue ${i}`).toBeGreaterThanOrEqual(cue.endMs);
  }
}

describe("transcript cues", () => {
  it("starts a new cue at each sentence end, punctuation joined to its word", () => {
    const cues = cuesOf(
      transcript([
        ["Hello", 0.5, 0.9],
        ",",
        ["world", 0.95, 1.4],
        ".",
        ["How", 1.5, 1.7],
        ["are", 1.7, 1.8],
        ["you", 1.8, 2.3],
        "?",
      ]),
    );
    expect(cues.map((c) => c.text)).toEqual(["Hello, world.", "How are you?"]);
    expect(cues[0]).toMatchObject({ startMs: 500 });
    expect(cues[1]?.startMs).toBe(1500);
    expectReadable(cues);
  });

  it("without punctuation, splits at pauses of 0.7 s and more only", () => {
    const cues = cuesOf(
      transcript([
        ["the", 0, 0.2],
        ["harbour", 0.25, 0.7],
        ["is", 0.75, 0.9], // 0.05 s gaps: one cue
        ["quiet", 1.55, 2.0], // 0.65 s: still the same cue
        ["tonight", 2.7, 3.2], // 0.7 s: a new one
      ]),
    );
    expect(cues.map((c) => c.text)).toEqual(["the harbour is quiet", "tonight"]);
    expectReadable(cues);
  });

  it("breaks a long monologue without pauses into cues of at most 7 s and 2×42 characters", () => {
    const text =
      "and so we kept walking along the old coast road past the lighthouse and the fishing boats " +
      "until the sun went down behind the hills and the wind came up from the sea and we were " +
      "cold and tired but nobody wanted to be the first to say that we should turn back home";
    const words = monologue(text, 2);
    const cues = cuesOf(transcript(words));
    expectReadable(cues);
    expect(cues.length).toBeGreaterThan(3);
    // Nothing lost, nothing repeated, in order.
    expect(cues.map((c) => c.text.replace(/\n/g, " ")).join(" ")).toBe(text);
    // Two lines where one would be too long, the break where they are most even.
    expect(cues.some((c) => c.text.includes("\n"))).toBe(true);
  });

  it("a slow monologue is cut at 7 s even when the lines would hold more", () => {
    const cues = cuesOf(transcript(monologue("one two three four five six seven eight nine ten", 0, 1.0)));
    expectReadable(cues);
    expect(cues.length).toBe(2);
    expect(cues[0]?.text).toBe("one two three four five six seven");
  });

  it("leaves music gaps empty: cues end with the speech and resume after", () => {
    const cues = cuesOf(
      transcript([
        ["Welcome", 1.0, 1.6],
        ["back", 1.6, 2.0],
        ".",
        // 30 s of music, no items at all
        ["Now", 32.0, 32.3],
        ["the", 32.3, 32.4],
        ["news", 32.4, 32.9],
        ".",
      ]),
    );
    expect(cues).toEqual([
      { startMs: 1000, endMs: 2000, text: "Welcome back." },
      { startMs: 32_000, endMs: 33_000, text: "Now the news." },
    ]);
  });

  it("keeps short words on screen 1 s, without overlapping the next cue", () => {
    const cues = cuesOf(
      transcript([
        ["Yes", 0, 0.3],
        ".",
        ["No", 0.5, 0.7],
        ".",
        ["Maybe", 0.9, 1.2],
        ".",
        ["Perhaps", 5, 5.2],
        ".",
      ]),
    );
    expectReadable(cues);
    expect(cues.map((c) => c.text.replace(/\n/g, " ")).join(" ")).toBe("Yes. No. Maybe. Perhaps.");
  });

  it("starts a new cue when the speaker changes (labels on the items)", () => {
    const cues = cuesOf(
      transcript([
        ["Are", 0, 0.2, "spk_0"],
        ["you", 0.2, 0.4, "spk_0"],
        ["coming", 0.4, 0.9, "spk_0"],
        ["I", 0.95, 1.1, "spk_1"],
        ["am", 1.1, 1.4, "spk_1"],
        ["on", 1.4, 1.6, "spk_1"],
        ["my", 1.6, 1.8, "spk_1"],
        ["way", 1.8, 2.5, "spk_1"],
      ]),
    );
    expect(cues.map((c) => c.text)).toEqual(["Are you coming", "I am on my way"]);
    expectReadable(cues);
  });

  it("reads speakers from speaker_labels.segments when the items carry none", () => {
    const spoken: Spoken[] = [
      ["Good", 0, 0.4, "spk_0"],
      ["morning", 0.4, 1.2, "spk_0"],
      ["Morning", 1.3, 2.4, "spk_1"],
    ];
    const words = readTranscript(transcript(spoken, { segments: true })).words;
    expect(words.map((w) => w.speaker)).toEqual(["spk_0", "spk_0", "spk_1"]);
    expect(cuesFromWords(words).map((c) => c.text)).toEqual(["Good morning", "Morning"]);
  });

  it("escapes markup characters and caps the last cue at the video's end", () => {
    const cues = cuesOf(
      transcript([
        ["R&D", 9.5, 9.8],
        ["<3", 9.8, 9.9],
      ]),
      10_000,
    );
    expect(cues).toEqual([{ startMs: 9500, endMs: 10_000, text: "R&amp;D &lt;3" }]);
  });

  it("an empty transcript gives no cues; a file that is not a transcript is refused", () => {
    expect(cuesOf({ results: { transcripts: [{ transcript: "" }], items: [] } })).toEqual([]);
    expect(() => readTranscript({ results: { items: [{ type: "pronunciation" }] } })).toThrow(
      TranscriptError,
    );
    expect(() => readTranscript("nope")).toThrow(TranscriptError);
  });

  it("wraps at the most even break, and refuses what 2 lines cannot hold", () => {
    expect(wrap(["short", "line"])).toEqual(["short line"]);
    const words = "the quick brown fox jumps over the lazy dog and runs far away".split(" ");
    const lines = wrap(words);
    expect(lines).toHaveLength(2);
    expect(Math.abs((lines?.[0]?.length ?? 0) - (lines?.[1]?.length ?? 0))).toBeLessThanOrEqual(6);
    expect(wrap(Array.from({ length: 30 }, () => "word"))).toBeUndefined();
  });
});
