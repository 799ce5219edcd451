/**
 * The Algolia index's settings (applied by `npm run search:setup`) and the markers the edge
 * asks highlights to be wrapped in. One record per video (title, description) plus records of
 * grouped cues (shared/search/algolia-records.ts), all carrying `videoId`, so `distinct` turns
 * them back into one hit per video.
 */
import type { IndexSettings } from "algoliasearch";

/**
 * Highlight markers the edge asks for at query time: private-use characters the record builder
 * removes from every indexed text, so they can only come from the engine. The edge splits on
 * them, escapes the text itself and writes `<mark>` — correct whether or not the engine
 * HTML-escapes highlighted values, which its documentation does not promise.
 */
export const HIGHLIGHT_OPEN = "\uE000";
export const HIGHLIGHT_CLOSE = "\uE001";
export const HIGHLIGHT_MARKERS = /[\uE000\uE001]/g;

/** What a description snippet ends or starts with when cut (Postgres' fragments use none). */
export const SNIPPET_ELLIPSIS = "…";
export const DESCRIPTION_SNIPPET_WORDS = 30;

/**
 * Records of one video a search returns (query-time `distinct`): with 2, a video found in both
 * its title and its subtitles brings its title record and its best cue record.
 */
export const DISTINCT_PER_VIDEO = 2;

/** Searchable attributes, best first: the attribute criterion ranks title over description over cues. */
export const SEARCHABLE_ATTRIBUTES = ["title", "description", "cues"];

export const ALGOLIA_INDEX_SETTINGS: IndexSettings = {
  // unordered(): where in the attribute a word sits does not matter, only which attribute.
  searchableAttributes: SEARCHABLE_ATTRIBUTES.map((name) => `unordered(${name})`),
  // Filters only (no facet counts): hiding non-public videos, `?lang=`, one video's records.
  attributesForFaceting: [
    "filterOnly(videoId)",
    "filterOnly(kind)",
    "filterOnly(visibility)",
    "filterOnly(langKey)",
  ],
  attributeForDistinct: "videoId",
  distinct: 1,
  // Ties after relevance: newer first, as in the Postgres provider.
  customRanking: ["desc(createdAtMs)"],
  // For anyone reading the index directly; the edge asks for HIGHLIGHT_OPEN/CLOSE per query.
  highlightPreTag: "<mark>",
  highlightPostTag: "</mark>",
  attributesToHighlight: ["title", "cues"],
  attributesToSnippet: [`description:${DESCRIPTION_SNIPPET_WORDS}`],
  snippetEllipsisText: SNIPPET_ELLIPSIS,
  attributesToRetrieve: ["videoId", "kind", "lang", "times", "card"],
  // Typo tolerance for words of 5+ letters (2 typos from 8), as the issue asks of both providers.
  typoTolerance: true,
  minWordSizefor1Typo: 5,
  minWordSizefor2Typos: 8,
  // Search as you type; the edge turns it off per query when the last word is complete.
  queryType: "prefixLast",
  // "quoted phrases" and -excluded words, the syntax the Postgres provider takes.
  advancedSyntax: true,
  advancedSyntaxFeatures: ["exactPhrase", "excludeWords"],
  removeStopWords: false,
  ignorePlurals: false,
};
