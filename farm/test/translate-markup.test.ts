/**
 * The pure parts of translation: cue text ↔ HTML, request planning and reply checking, and
 * language codes. What a real service may send back (self-closing <br/>, numeric entities,
 * spaces around tags, tags in another order) is read into valid WebVTT cue text.
 */
import { describe, expect, it } from "vitest";
import { planBatches, readReply, readSingleReply } from "../src/subtitles/translate-batches.ts";
import { permanentFailure } from "../src/subtitles/translate-client.ts";
import { awsLanguageCode } from "../src/subtitles/translate-languages.ts";
import { cueToHtml, htmlToCue } from "../src/subtitles/translate-markup.ts";

describe("cue text → HTML", () => {
  it.each([
    ["plain", "plain"],
    ["two\nlines", "two<br>lines"],
    ["<i>a</i> &amp; <b>b</b> <u>c</u>", "<i>a</i> &amp; <b>b</b> <u>c</u>"],
    ["1 &lt; 2 &gt; 0", "1 &lt; 2 &gt; 0"],
    // Outside the Cue contract, but a raw `<` or `&` must still reach the service as text.
    ["a < b & c", "a &lt; b &amp; c"],
    ["<i.loud>classes go</i>", "<i>classes go</i>"],
    ["<v Bob>voice</v> <c.yellow>class</c> <00:01.000>time", "voice class time"],
    ["&nbsp;&lrm;&#233;", "\u00a0\u200eé"],
  ])("%j → %j", (cue, html) => {
    expect(cueToHtml(cue)).toBe(html);
  });
});

describe("HTML → cue text", () => {
  it.each([
    ["one<br/>two<BR />three", "one\ntwo\nthree"],
    [" <i> spaced </i>  out \n here <b> </b> ", "<i>spaced </i> out here"],
    ["&#39;quoted&#x27; &quot;x&quot;", "'quoted' \"x\""],
    ["a &amp; b &lt; c", "a &amp; b &lt; c"],
    ["bare < and > and & stay text", "bare &lt; and &gt; and &amp; stay text"],
    ["<i><b>swapped</i></b>", "<i><b>swapped</b></i>"],
    ["</b>stray close<i>never closed", "stray close<i>never closed</i>"],
    ['<span class="x">kept text</span> <em>em</em>', "kept text em"],
    ["<br>leading and trailing<br>", "leading and trailing"],
    ["keep&nbsp;no-break", "keep\u00a0no-break"],
  ])("%j → %j", (html, cue) => {
    expect(htmlToCue(html)).toBe(cue);
  });

  it("round-trips every cue the Cue contract allows", () => {
    for (const cue of ["<i>Hi</i>, <b>you</b>\n<u>there</u>", "5 &lt; 6 &amp; 7 &gt; 2", "ça va ? 🎬"]) {
      expect(htmlToCue(cueToHtml(cue))).toBe(cue);
    }
  });
});

describe("requests", () => {
  const bytes = (s: string) => Buffer.byteLength(s, "utf8");

  it("packs cues in order, each request within the byte limit", () => {
    const texts = Array.from({ length: 200 }, (_, i) => "日本語".repeat(1 + (i % 9)));
    const batches = planBatches(texts, 500);
    expect(batches.flatMap((b) => b.cues)).toEqual(texts.map((_, i) => i));
    expect(batches.every((b) => bytes(b.text) <= 500)).toBe(true);
  });

  it("sends no cue without words", () => {
    const batches = planBatches(["a", "", "<i> </i>", "\n", "b"]);
    expect(batches.map((b) => b.cues)).toEqual([[0, 4]]);
  });

  it("refuses a cue that alone is over the limit", () => {
    expect(() => planBatches(["short", "x".repeat(200)], 100)).toThrow(/cue 2 is 215 bytes/);
  });

  it("accepts a reply only with exactly the cues sent, in order", () => {
    const [batch] = planBatches(["a", "b", "c"]);
    const ok = '<p id="c0">A</p>\n<p id = "c1" >B<br/>b</p> <p id=c2>C</p>';
    expect(readReply(batch!, ok)).toEqual(["A", "B\nb", "C"]);
    expect(readReply(batch!, '<p id="c0">A</p><p id="c1">B</p>')).toBeUndefined(); // last one lost
    expect(readReply(batch!, '<p id="c0">A</p><p id="c2">C</p><p id="c1">B</p>')).toBeUndefined();
    expect(readReply(batch!, '<p id="c0">A</p><p id="c1">B</p>stray<p id="c2">C</p>')).toBeUndefined();
    expect(readReply(batch!, '<p id="c0">A B</p><p id="c2">C</p>')).toBeUndefined();
  });

  it("takes a one-cue reply whole when its element was lost", () => {
    expect(readSingleReply('<p id="c7"><i>x</i> &amp; y</p>')).toBe("<i>x</i> &amp; y");
    expect(readSingleReply("<i>x</i> &amp; y")).toBe("<i>x</i> &amp; y");
  });
});

describe("languages and errors", () => {
  it.each([
    ["en", "en"],
    ["en-US", "en"],
    ["pt-BR", "pt"],
    ["pt-PT", "pt-PT"],
    ["fr-ca", "fr-CA"],
    ["zh-Hant", "zh-TW"],
    ["zh-CN", "zh"],
    ["nb", "no"],
    ["tlh", "tlh"],
  ])("%s is sent as %s", (tag, code) => {
    expect(awsLanguageCode(tag)).toBe(code);
  });

  it("tells errors that pass from errors that do not", () => {
    const aws = (name: string, status: number) => ({
      name,
      $metadata: { httpStatusCode: status },
      message: "m",
    });
    expect(permanentFailure(aws("TooManyRequestsException", 429))).toBeUndefined();
    expect(permanentFailure(aws("ServiceUnavailableException", 503))).toBeUndefined();
    expect(permanentFailure(aws("Whatever", 502))).toBeUndefined();
    expect(
      permanentFailure(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })),
    ).toBeUndefined();
    expect(permanentFailure(aws("UnsupportedLanguagePairException", 400))?.code).toBe(
      "unsupported_language_pair",
    );
    expect(permanentFailure(aws("TextSizeLimitExceededException", 400))?.code).toBe(
      "translation_text_too_long",
    );
    expect(permanentFailure(aws("UnrecognizedClientException", 400))?.code).toBe("translation_access_denied");
    expect(permanentFailure(aws("SomethingNew", 400))?.code).toBe("translation_rejected");
    expect(permanentFailure({ name: "CredentialsProviderError", message: "none" })?.code).toBe(
      "translation_not_configured",
    );
  });
});

describe("hostile replies are read in linear time", () => {
  // Each took seconds with the regexes the scans replaced (a run of spaces or line breaks
  // matched from every position; one replacement pass per level of nested styles).
  const N = 200_000;
  it.each([
    ["spaces between words", `a${" ".repeat(N)}b`],
    ["spaces and tags between words", `a${" <i> </i>".repeat(N / 10)}b`],
    ["line breaks between words", `a${"<br>".repeat(N / 4)}b`],
    ["nested styles around nothing", `${"<i>".repeat(N / 3)}${"</i>".repeat(N / 4)}`],
    ["unclosed tags", "<i ".repeat(N / 3)],
  ])("%s", (_name, html) => {
    const start = performance.now();
    htmlToCue(html);
    planBatches([html.slice(0, 2_000)]);
    expect(performance.now() - start).toBeLessThan(500);
  });

  it("many cue elements that never close", () => {
    const start = performance.now();
    expect(readReply({ cues: [0], text: "" }, '<p id="c0">'.repeat(40_000))).toBeUndefined();
    expect(
      readReply({ cues: [0], text: "" }, `<p id="c0">${" ".repeat(N)}</p${" ".repeat(N)}`),
    ).toBeUndefined();
    expect(performance.now() - start).toBeLessThan(500);
  });

  it("keeps what it kept for ordinary replies", () => {
    expect(htmlToCue(" <i> <b> a  b </b> </i> <br><br> <u></u> c ")).toBe("<i><b>a b</b></i>\n\nc");
    expect(htmlToCue(`a${" ".repeat(N)}b`)).toBe("a b");
  });
});
