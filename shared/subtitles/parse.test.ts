/** parseSubtitles: formats and encodings recognised by content, and errors that name the line. */
import { describe, expect, it } from "vitest";
import { parseSubtitles, parseSubtitleText, SubtitleParseError } from "./index.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);

function utf16(text: string, littleEndian: boolean, bom = true): Uint8Array {
  const out = bom ? (littleEndian ? [0xff, 0xfe] : [0xfe, 0xff]) : [];
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    out.push(...(littleEndian ? [unit & 0xff, unit >> 8] : [unit >> 8, unit & 0xff]));
  }
  return new Uint8Array(out);
}

function errorOf(input: Uint8Array | string): SubtitleParseError {
  try {
    if (typeof input === "string") parseSubtitleText(input);
    else parseSubtitles(input);
  } catch (err) {
    expect(err).toBeInstanceOf(SubtitleParseError);
    return err as SubtitleParseError;
  }
  throw new Error("the file was accepted");
}

const SRT =
  "1\n00:00:01,000 --> 00:00:02,500\nHello\nthere\n\n2\n00:00:03,000 --> 00:00:04,000\n<i>Bye</i>\n";
const SRT_CUES = [
  { startMs: 1000, endMs: 2500, text: "Hello\nthere" },
  { startMs: 3000, endMs: 4000, text: "<i>Bye</i>" },
];

describe("parseSubtitles: SRT", () => {
  it("reads numbered cues with comma decimals and multi-line text", () => {
    expect(parseSubtitles(utf8(SRT))).toEqual({ format: "srt", cues: SRT_CUES });
  });

  it("reads CRLF, lone CR, a UTF-8 BOM and UTF-16 LE/BE with a BOM the same way", () => {
    const expected = { format: "srt", cues: SRT_CUES };
    expect(parseSubtitles(utf8(SRT.replace(/\n/g, "\r\n")))).toEqual(expected);
    expect(parseSubtitles(utf8(SRT.replace(/\n/g, "\r")))).toEqual(expected);
    expect(parseSubtitles(utf8(`\uFEFF${SRT}`))).toEqual(expected);
    expect(parseSubtitles(utf16(SRT.replace(/\n/g, "\r\n"), true))).toEqual(expected);
    expect(parseSubtitles(utf16(SRT, false))).toEqual(expected);
    expect(parseSubtitles(utf16(SRT, true, false))).toEqual(expected);
  });

  it("keeps non-ASCII text from UTF-8 and UTF-16 (surrogate pairs included)", () => {
    const text = "1\n00:00:01,000 --> 00:00:02,000\nÉté — 日本語 🎬\n";
    for (const bytes of [utf8(text), utf16(text, true), utf16(text, false)]) {
      expect(parseSubtitles(bytes).cues[0]?.text).toBe("Été — 日本語 🎬");
    }
  });

  it("tolerates missing numbers, missing blank lines between cues, dots and short fractions", () => {
    const text =
      "00:00:01.5 --> 00:00:02,25\nA\n2\n00:00:03,000 --> 00:00:04,000 X1:10 X2:20 Y1:5 Y2:9\nB\n\n\n";
    expect(parseSubtitles(utf8(text)).cues).toEqual([
      { startMs: 1500, endMs: 2250, text: "A" },
      { startMs: 3000, endMs: 4000, text: "B" },
    ]);
  });

  it("sorts cues by start, keeps overlaps and drops cues without visible text", () => {
    const text =
      "1\n00:00:05,000 --> 00:00:09,000\nLate\n\n2\n00:00:01,000 --> 00:00:06,000\nEarly\n\n" +
      "3\n00:00:02,000 --> 00:00:03,000\n<i> </i>\n\n4\n00:00:01,000 --> 00:00:02,000\nEarly too\n";
    expect(parseSubtitles(utf8(text)).cues.map((c) => c.text)).toEqual(["Early", "Early too", "Late"]);
  });

  it("converts {\\i1} style tags and drops <font> and positioning", () => {
    const text = '1\n00:00:01,000 --> 00:00:02,000\n{\\an8}{\\i1}Up{\\i0} <font color="#ff0">here</font>\n';
    expect(parseSubtitles(utf8(text)).cues[0]?.text).toBe("<i>Up</i> here");
  });

  it("refuses a broken timing line naming its line and what was expected", () => {
    const err = errorOf("1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\n00:00:03,000 -> 00:00:04,000\nB\n");
    expect(err.line).toBe(6);
    expect(err.message).toMatch(/^line 6: expected a timing line such as "00:00:01,000 --> 00:00:04,000"/);
    expect(err.message).toContain('found "00:00:03,000 -> 00:00:04,000"');
  });

  it("refuses text where a cue number should be, an end before the start and minutes over 59", () => {
    expect(errorOf("1\n00:00:01,000 --> 00:00:02,000\nA\n\nstray text\n").line).toBe(5);
    const backwards = errorOf("1\n00:00:05,000 --> 00:00:02,000\nA\n");
    expect([backwards.line, backwards.message]).toEqual([2, expect.stringMatching(/end time/)]);
    expect(errorOf("1\n00:61:00,000 --> 00:62:00,000\nA\n").line).toBe(2);
    expect(errorOf("1\n\n00:00:01,000 --> 00:00:02,000\nA\n").line).toBe(2);
  });

  it("counts lines across CRLF and lone CR when naming one", () => {
    expect(errorOf("1\r\n00:00:01,000 --> 00:00:02,000\r\nA\r\n\r\nnope\r\n").line).toBe(5);
    expect(errorOf("1\r00:00:01,000 --> 00:00:02,000\rA\r\rnope\r").line).toBe(5);
  });
});

const VTT = `WEBVTT - a title
Kind: captions

NOTE a comment
that runs on --> still a comment

STYLE
::cue { color: yellow }

REGION
id:fred width:40%

intro
00:01.000 --> 00:02.000 align:start line:0
<v.loud Bob>Hi</v> <c.yellow>there</c> &amp; <b.x>you</b>

00:00:03.000 --> 00:00:04.000
<00:00:03.500>karaoke <ruby>漢<rt>kan</rt></ruby>

01:00:00.000 --> 01:00:01.000
late
`;

describe("parseSubtitles: WebVTT", () => {
  it("skips the header, NOTE, STYLE and REGION blocks, reads identifiers, settings and hour-less times", () => {
    expect(parseSubtitles(utf8(VTT))).toEqual({
      format: "vtt",
      cues: [
        { startMs: 1000, endMs: 2000, text: "Hi there &amp; <b>you</b>" },
        { startMs: 3000, endMs: 4000, text: "karaoke 漢kan" },
        { startMs: 3_600_000, endMs: 3_601_000, text: "late" },
      ],
    });
  });

  it("reads the same file in UTF-16 with CRLF, and an empty WebVTT file as no cues", () => {
    expect(parseSubtitles(utf16(VTT.replace(/\n/g, "\r\n"), false)).cues).toHaveLength(3);
    expect(parseSubtitles(utf8("WEBVTT\n"))).toEqual({ format: "vtt", cues: [] });
  });

  it("starts a new cue at a timing line inside a cue's text, as the spec's parser does", () => {
    const text = "WEBVTT\n\n00:01.000 --> 00:02.000\nA\n00:03.000 --> 00:04.000\nB\n";
    expect(parseSubtitles(utf8(text)).cues.map((c) => c.text)).toEqual(["A", "B"]);
  });

  it("refuses an identifier without a timing line and a broken timestamp, naming the line", () => {
    const lonely = errorOf("WEBVTT\n\nintro\n\n00:01.000 --> 00:02.000\nA\n");
    expect(lonely.line).toBe(3);
    expect(lonely.message).toMatch(/after the cue identifier/);
    const broken = errorOf("WEBVTT\n\n00:01.000 --> 00:02.000\nA\n\n00:03.000 --> 00:0x.000\nB\n");
    expect(broken.line).toBe(6);
    expect(broken.expected).toMatch(/cue timing line/);
  });
});

describe("parseSubtitles: what is neither", () => {
  it("refuses an empty file, other formats and legacy 8-bit text, naming the line", () => {
    expect(errorOf(utf8("")).line).toBe(1);
    expect(errorOf(utf8("\n\n  \n")).line).toBe(1);
    expect(errorOf(utf8('\n{"cues": []}')).line).toBe(2);
    expect(errorOf(utf8("[Script Info]\nTitle: x\n")).message).toMatch(/WEBVTT.*SRT/);
    // "Été" in Windows-1252 on line 3.
    const latin1 = new Uint8Array([...utf8("1\n00:00:01,000 --> 00:00:02,000\n"), 0xc9, 0x74, 0xe9, 0x0a]);
    const err = errorOf(latin1);
    expect(err.line).toBe(3);
    expect(err.message).toMatch(/UTF-8/);
  });

  it("refuses UTF-16 with a lone surrogate or an odd byte count", () => {
    const lone = utf16("1\n00:00:01,000 --> 00:00:02,000\n\uD800x\n", true);
    expect(errorOf(lone).line).toBe(3);
    expect(errorOf(new Uint8Array([0xff, 0xfe, 0x31, 0x00, 0x0a])).message).toMatch(/UTF-16/);
  });

  it("refuses times beyond what the database stores", () => {
    expect(errorOf("1\n999:00:00,000 --> 999:00:01,000\nA\n").message).toMatch(/596 hours/);
  });
});
