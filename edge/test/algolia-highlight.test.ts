/**
 * Algolia highlights → snippet HTML, whether or not the engine escapes what it returns: only
 * `<mark>` is markup, everything else is escaped exactly once. Runs in workerd, where it runs
 * in production.
 */
import { describe, expect, it } from "vitest";
import { HIGHLIGHT_CLOSE as C, HIGHLIGHT_OPEN as O } from "../../shared/search/algolia-settings.ts";
import { escapeHtml, highlightHtml } from "../src/services/search/algolia/algolia-highlight.ts";
import {
  algoliaQuery,
  decodeAlgoliaCursor,
  encodeAlgoliaCursor,
} from "../src/services/search/algolia/algolia-search-service.ts";
import { parseQuery } from "../src/services/search/search-query.ts";

const original = `<b>Tom</b> & "Jerry's" harbour`;

describe("Algolia highlights as snippet HTML", () => {
  it("escapes the text and marks the matches when the engine returns the value as stored", () => {
    expect(highlightHtml(`<b>Tom</b> & "Jerry's" ${O}harbour${C}`, original)).toBe(
      "&lt;b&gt;Tom&lt;/b&gt; &amp; &quot;Jerry&#39;s&quot; <mark>harbour</mark>",
    );
  });

  it("gives the same HTML when the engine escaped the value itself", () => {
    const escaped = `${escapeHtml('<b>Tom</b> & "Jerry\'s" ')}${O}harbour${C}`;
    expect(highlightHtml(escaped, original)).toBe(
      "&lt;b&gt;Tom&lt;/b&gt; &amp; &quot;Jerry&#39;s&quot; <mark>harbour</mark>",
    );
  });

  it("keeps text that spells out a reference, when the original shows it was stored that way", () => {
    expect(highlightHtml(`say &amp; ${O}it${C}`, "say &amp; it")).toBe("say &amp;amp; <mark>it</mark>");
  });

  it("never lets markup through, with or without the original", () => {
    for (const value of [`<img src=x onerror=alert(1)>${O}x${C}`, `&lt;script&gt;${O}<i>${C}`]) {
      const html = highlightHtml(value, undefined);
      expect(html.replace(/<\/?mark>/g, "")).not.toMatch(/[<>]/);
    }
    expect(highlightHtml(`${O}a${C} &lt;b&gt;`, undefined)).toBe("<mark>a</mark> &lt;b&gt;");
  });

  it("accepts a cut snippet of the original (ellipsis at either end)", () => {
    const text = "one two & three four five";
    expect(highlightHtml(`…two & ${O}three${C} four…`, text, true)).toBe(
      "…two &amp; <mark>three</mark> four…",
    );
    expect(highlightHtml(`…two &amp; ${O}three${C} four…`, text, true)).toBe(
      "…two &amp; <mark>three</mark> four…",
    );
  });
});

describe("Algolia queries and cursors", () => {
  it("rebuilds the parsed query in Algolia's syntax: words, phrases, exclusions", () => {
    expect(algoliaQuery(parseQuery(`storm "over the" -harbour -"old pier" e-mail`))).toBe(
      `storm "over the" -harbour -"old pier" "e mail"`,
    );
    // Operators typed by the user are only separators: nothing but words reaches Algolia.
    expect(algoliaQuery(parseQuery(`a:b (c OR d) \\"x`))).toBe(`"a b" c OR d x`);
  });

  it("carries the next page, and refuses cursors it did not issue", () => {
    expect(decodeAlgoliaCursor(encodeAlgoliaCursor(3))).toBe(3);
    for (const bad of ["", "x", btoa("[1,2]"), encodeAlgoliaCursor(0), encodeAlgoliaCursor(5000)]) {
      expect(() => decodeAlgoliaCursor(bad)).toThrow(/cursor/);
    }
  });
});
