/** toWebVtt, toSrt and trimCues, and that what they write reads back the same. */
import { describe, expect, it } from "vitest";
import { type Cue, parseSubtitleText, toSrt, toWebVtt, trimCues } from "./index.ts";

const cues: Cue[] = [
  { startMs: 0, endMs: 1500, text: "<i>Hello</i> &amp; welcome" },
  { startMs: 61_001, endMs: 3_723_004, text: "two\nlines &lt;3" },
];

describe("toWebVtt", () => {
  it("writes a header, full hh:mm:ss.mmm timestamps and the cue text as it is", () => {
    expect(toWebVtt(cues)).toBe(
      "WEBVTT\n\n00:00:00.000 --> 00:00:01.500\n<i>Hello</i> &amp; welcome\n\n" +
        "00:01:01.001 --> 01:02:03.004\ntwo\nlines &lt;3\n",
    );
    expect(toWebVtt([])).toBe("WEBVTT\n\n");
  });

  it("reads back as the same cues", () => {
    expect(parseSubtitleText(toWebVtt(cues))).toEqual({ format: "vtt", cues });
  });
});

describe("toSrt", () => {
  it("numbers cues from 1 with hh:mm:ss,mmm and writes entities as characters", () => {
    expect(toSrt(cues)).toBe(
      "1\n00:00:00,000 --> 00:00:01,500\n<i>Hello</i> & welcome\n\n" +
        "2\n00:01:01,001 --> 01:02:03,004\ntwo\nlines <3\n",
    );
    expect(toSrt([])).toBe("");
  });

  it("reads back as the same cues", () => {
    expect(parseSubtitleText(toSrt(cues))).toEqual({ format: "srt", cues });
  });
});

describe("trimCues", () => {
  it("drops cues starting at or after the end and clips those running past it", () => {
    const input: Cue[] = [
      { startMs: 0, endMs: 1000, text: "a" },
      { startMs: 9000, endMs: 12_000, text: "b" },
      { startMs: 10_000, endMs: 11_000, text: "c" },
    ];
    expect(trimCues(input, 10_000)).toEqual([
      { startMs: 0, endMs: 1000, text: "a" },
      { startMs: 9000, endMs: 10_000, text: "b" },
    ]);
    expect(trimCues(input, null)).toBe(input);
  });
});
