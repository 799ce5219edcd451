/**
 * Text handling is linear in the input: cue normalisation, subtitle parsing, search records.
 * Each adversarial shape below took seconds to minutes with the regexes these scans replaced
 * (`\s+((?:<\/?[ibu]>)*)$` on a run of no-break spaces answered a PUT with 503 after 115 s);
 * the bound is generous so a slow machine does not fail it. The equivalence properties keep
 * the behaviour for ordinary text exactly what the regexes gave.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cueDisplayText } from "../../shared/search/algolia-records.ts";
import { sanitizeCueText } from "../../shared/subtitles/cue-text.ts";
import { dropEmptyPairs, trimAroundTags } from "../../shared/subtitles/kept-tags.ts";
import { parseSubtitleText } from "../../shared/subtitles/parse.ts";
import { joinLines, stripTags } from "../../shared/subtitles/plain-text.ts";
import { ownerWithVideo, putSubtitle } from "./subtitle-helpers.ts";

const NBSP = "\u00a0";
const N = 200_000;
const BOUND_MS = 500;

function timed<T>(run: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = run();
  return { value, ms: performance.now() - start };
}

/** Shapes that make a backtracking regex go over the same characters again and again. */
const HOSTILE: [string, string][] = [
  ["no-break spaces between two letters", `a${NBSP.repeat(N)}b`],
  ["spaces between two letters", `a${" ".repeat(N)}b`],
  ["no-break spaces before a closing tag", `<i>a${NBSP.repeat(N)}</i>b`],
  ["no-break spaces after an opening tag", `a<i>${NBSP.repeat(N)}b</i>`],
  ["spaces and tags alternating", `a${" <i> </i>".repeat(N / 10)}b`],
  ["an unclosed tag", `<a${NBSP.repeat(N)}b`],
  ["many unclosed tags", `<a `.repeat(N / 3)],
  ["lone less-than signs", "<".repeat(N)],
  ["lone ampersands and letters", `&${"a".repeat(N)}`],
  ["an unclosed override block", `{\\${"i".repeat(N)}`],
  ["an unclosed timestamp", `<1:${"1".repeat(N)}`],
  ["line breaks between letters", `a${"\n".repeat(N)}b`],
  ["white space around line breaks", `a${" \n ".repeat(N / 3)}b`],
  ["nested styles", `${"<i><b><u>".repeat(N / 10)}x${"</u></b></i>".repeat(N / 10)}`],
  ["empty styles", "<i> </i>".repeat(N / 8)],
];

describe("cue text is normalised in linear time", () => {
  it.each(HOSTILE)("%s", (_name, text) => {
    const { ms } = timed(() => sanitizeCueText(text));
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it("keeps the words of a 200,000 no-break space line and drops the spaces at its edges", () => {
    const { value, ms } = timed(() =>
      sanitizeCueText(`${NBSP.repeat(N)}a${NBSP.repeat(N)}b${NBSP.repeat(N)}`),
    );
    expect(value).toBe(`a${NBSP.repeat(N)}b`);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it("parses a file whose cue holds such a line, and a file of many cues", () => {
    const one = `1\n00:00:01,000 --> 00:00:02,000\na${NBSP.repeat(N)}b\n`;
    const many = Array.from(
      { length: 20_000 },
      (_, i) => `${i + 1}\n00:00:01,000 --> 00:00:02,000\n${NBSP.repeat(10)}x${NBSP.repeat(10)}\n`,
    ).join("\n");
    for (const file of [one, many]) {
      const { value, ms } = timed(() => parseSubtitleText(file));
      expect(value.cues.length).toBeGreaterThan(0);
      expect(ms).toBeLessThan(2 * BOUND_MS);
    }
  });
});

describe("search records are built in linear time", () => {
  it.each(HOSTILE)("%s", (_name, text) => {
    const { ms } = timed(() => cueDisplayText(text));
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it("joins lines and keeps a run of spaces without one", () => {
    expect(cueDisplayText(`<i>a</i>${NBSP.repeat(N)}\n \n b &amp; c`)).toBe(`a b & c`);
    expect(cueDisplayText(`a${NBSP.repeat(3)}b`)).toBe(`a${NBSP.repeat(3)}b`);
  });
});

/** Text built from the pieces the regexes cared about, for comparing the scans with them. */
const markupLike = (pieces: string[]) =>
  fc.array(fc.constantFrom(...pieces), { maxLength: 40 }).map((parts) => parts.join(""));
const TAGS = ["<i>", "</i>", "<b>", "</b>", "<u>", "</u>"];
const SPACES = [" ", NBSP, "\n", "\r", "\t", "\u2028"];
const TEXT = ["a", "i", ">", "/", "&amp;"];

describe("the scans give what the regexes gave", () => {
  it("trimAroundTags", () => {
    const regex = (line: string) =>
      line.replace(/^((?:<\/?[ibu]>)*)\s+/, "$1").replace(/\s+((?:<\/?[ibu]>)*)$/, "$1");
    fc.assert(
      fc.property(
        markupLike([...TAGS, ...SPACES, ...TEXT, "<"]),
        (line) => trimAroundTags(line) === regex(line),
      ),
      { numRuns: 5_000 },
    );
  });

  it("dropEmptyPairs (on escaped markup: every `<` starts a tag)", () => {
    const regex = (markup: string) => {
      let text = markup;
      for (let before = ""; before !== text; ) {
        before = text;
        text = text.replace(/<([ibu])>(\s*)<\/\1>/g, "$2");
      }
      return text;
    };
    fc.assert(
      fc.property(
        markupLike([...TAGS, ...SPACES, ...TEXT]),
        (markup) => dropEmptyPairs(markup) === regex(markup),
      ),
      { numRuns: 5_000 },
    );
  });

  it("stripTags and joinLines", () => {
    fc.assert(
      fc.property(markupLike([...TAGS, ...SPACES, ...TEXT, "<", "<c.x>"]), (text) => {
        expect(stripTags(text)).toBe(text.replace(/<[^>]*>/g, ""));
        expect(joinLines(text)).toBe(text.replace(/\s*\n\s*/g, " "));
      }),
      { numRuns: 5_000 },
    );
  });
});

describe("PUT /api/v1/videos/:id/subtitles/:lang with hostile cue text", () => {
  it("answers a 200,000 no-break space line promptly (201), the line stored with its words", async () => {
    const { owner, videoId } = await ownerWithVideo();
    const srt = `1\n00:00:01,000 --> 00:00:02,000\na${NBSP.repeat(N)}b\n\n2\n00:00:03,000 --> 00:00:04,000\n${NBSP.repeat(N)}<i>c</i>${NBSP.repeat(N)}\n`;
    const start = Date.now();
    const res = await putSubtitle(owner.accessToken, videoId, "it", srt);
    expect(res.status).toBe(201);
    expect(res.body.cueCount).toBe(2);
    expect(Date.now() - start).toBeLessThan(10_000);
  });

  it("answers a file of only such spaces with a 4xx and a code, not a 503", async () => {
    const { owner, videoId } = await ownerWithVideo();
    const srt = `1\n00:00:01,000 --> 00:00:02,000\n${NBSP.repeat(N)}\n`;
    const start = Date.now();
    const res = await putSubtitle(owner.accessToken, videoId, "it", srt);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((res.body as unknown as { error: { code: string } }).error.code).toEqual(expect.any(String));
    expect(Date.now() - start).toBeLessThan(10_000);
  });
});
