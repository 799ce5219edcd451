/** Cue text normalisation (sanitizeCueText) and ASS/SSA dialogue text (assTextToCueText). */
import { describe, expect, it } from "vitest";
import { assTextToCueText, sanitizeCueText } from "./index.ts";

describe("sanitizeCueText", () => {
  it.each([
    ["<i>Hi</i> <b>bold</b> <u>under</u>", "<i>Hi</i> <b>bold</b> <u>under</u>"],
    ["<I>Loud</I>", "<i>Loud</i>"],
    ['<font color="#ffffff">White</font>', "White"],
    ["<c.yellow.bg_blue>Yellow</c>", "Yellow"],
    ["<v Roger Bingham>We are in New York City", "We are in New York City"],
    ["<i.foo>classy</i>", "<i>classy</i>"],
    ["<lang en-GB>colour</lang>", "colour"],
    ["one<br>two<br/>three", "one\ntwo\nthree"],
    ["a < b > c & d", "a &lt; b &gt; c &amp; d"],
    ["&amp; &lt;i&gt; &nbsp;&#65;&#x42;", "&amp; &lt;i&gt; \u00a0AB"],
    ["&unknown; &#0; &#xD800;", "&amp;unknown; &amp;#0; &amp;#xD800;"],
    ["<i>a<b>b</i>c</b>", "<i>a<b>b</b></i><b>c</b>"],
    ["</i>stray close<b>open", "stray close<b>open</b>"],
    ["{\\i1}ASS in SRT{\\i0} {\\an8}{\\b1}top{\\b0}", "<i>ASS in SRT</i> <b>top</b>"],
    ["  padded  \n\n\n  lines  ", "padded\nlines"],
    ["<i>\nitalic on its own line\n</i>", "<i>italic on its own line</i>"],
    ["tab\there", "tab here"],
    ["nul\u0000 and bell\u0007 and lone \uD800", "nul and bell and lone \uFFFD"],
    ["CRLF\r\nand CR\rlines", "CRLF\nand CR\nlines"],
    ["-->", "--&gt;"],
  ])("%j → %j", (input, output) => {
    expect(sanitizeCueText(input)).toBe(output);
  });

  it("leaves nothing for text without anything visible", () => {
    for (const empty of ["", "   ", "\n\n", "<i></i>", "<i> </i>", "<font color=red></font>", "{\\an8}"]) {
      expect(sanitizeCueText(empty)).toBe("");
    }
  });

  it("is idempotent", () => {
    for (const text of ["a &amp; b", "<i>x</i> &lt;y&gt;", "a<b>c</b>d < e", "&amp;amp;"]) {
      const once = sanitizeCueText(text);
      expect(sanitizeCueText(once)).toBe(once);
    }
  });
});

describe("assTextToCueText", () => {
  it.each([
    ["{\\i1}Italic{\\i0} plain", "<i>Italic</i> plain"],
    ["{\\b1}Bold{\\b0}\\NNext line", "<b>Bold</b>\nNext line"],
    ["soft\\nbreak and\\hhard space", "soft\nbreak and hard space"],
    ["{\\b700}weight{\\b400} normal", "<b>weight</b> normal"],
    ["{\\an8\\pos(10,20)\\c&H00FFFF&}Top{\\fs20} small", "Top small"],
    ["{\\i1}a{\\b1}b{\\i0}c{\\b0}", "<i>a<b>b</b></i><b>c</b>"],
    ["{\\i1}never closed", "<i>never closed</i>"],
    ["{\\i1\\b1}both{\\r}reset", "<i><b>both</b></i>reset"],
    ["{\\rDefault}{\\i1}x", "<i>x</i>"],
    ["{a comment}seen", "seen"],
    ["{remark\\i1}after", "<i>after</i>"],
    ["<i>literal</i> & 1 < 2", "&lt;i&gt;literal&lt;/i&gt; &amp; 1 &lt; 2"],
    ["&amp; stays literal", "&amp;amp; stays literal"],
    ["{\\p1}m 0 0 l 100 0 100 100{\\p0}Text", "Text"],
    ["{\\bord2\\blur3\\be1}not bold", "not bold"],
    ["{\\u1}under{\\u0}", "<u>under</u>"],
  ])("%j → %j", (input, output) => {
    expect(assTextToCueText(input)).toBe(output);
  });
});
