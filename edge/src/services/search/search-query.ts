/**
 * Parses what a user typed into search terms (websearch syntax plus a prefix on the last
 * word). Words are split on anything that is not a letter or digit, so every word that
 * reaches SQL is plain text: no tsquery operator can be smuggled in.
 *
 * A query is bounded before any SQL is built: its length, its number of terms and the words
 * of a phrase. Each term costs index probes (and a word of 5+ letters a trigram lookup), so a
 * query over a limit is refused with `query_invalid` rather than cut short silently (a cut
 * query would answer something the user did not ask).
 */
import { ApiError } from "../../../../shared/errors/api-error.ts";

export const MAX_QUERY_CHARS = 200;
/** Terms in one query: words, "quoted phrases" and -exclusions, each counting one. */
export const MAX_QUERY_TERMS = 12;
/** Words in one "quoted phrase" (or hyphenated word). */
export const MAX_PHRASE_WORDS = 10;
/** Words this long or longer also match close spellings (pg_trgm). */
export const TYPO_MIN_CHARS = 5;
/**
 * A last word this long is also matched by its stem ("runs" finds "running"); a shorter one
 * only as written: the stem of a fragment is noise (French stems "wea" to "we").
 */
export const PREFIX_STEM_MIN_CHARS = 4;

export interface Term {
  /** One word, or several for a "quoted phrase" (or a hyphenated word), matched in order. */
  words: string[];
  negated: boolean;
  /** The last word as typed so far: matches any word it begins. */
  prefix: boolean;
}

const TOKEN = /(-?)"([^"]*)"?|(-?)([^\s"]+)/g;
const splitWords = (text: string) => text.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);

export function parseQuery(raw: string | undefined): Term[] {
  const text = (raw ?? "").trim();
  if (text.length > MAX_QUERY_CHARS) {
    throw new ApiError("query_invalid", `q is longer than ${MAX_QUERY_CHARS} characters`);
  }
  const terms: Term[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const quoted = match[2] !== undefined;
    const words = splitWords(quoted ? match[2]! : match[4]!);
    if (words.length === 0) continue;
    if (words.length > MAX_PHRASE_WORDS) {
      throw new ApiError("query_invalid", `a phrase in q has more than ${MAX_PHRASE_WORDS} words`);
    }
    if (terms.length === MAX_QUERY_TERMS) {
      throw new ApiError(
        "query_invalid",
        `q has more than ${MAX_QUERY_TERMS} terms (words, "phrases" and -exclusions)`,
      );
    }
    terms.push({ words, negated: (quoted ? match[1] : match[3]) === "-", prefix: false });
  }
  const last = terms.at(-1);
  // Search as you type: the last bare word, unless the user already typed a space after it.
  if (last && !last.negated && last.words.length === 1 && !/["\s]$/.test(raw ?? "")) last.prefix = true;
  if (!terms.some((t) => !t.negated)) {
    throw new ApiError("query_invalid", "q needs at least one word to search for");
  }
  return terms;
}
