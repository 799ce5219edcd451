/**
 * The Algolia stand-in's search (support/algolia-stand-in.ts): filter, match, rank (fewer
 * typos, best searchable attribute, more exact words, customRanking, insertion order),
 * distinct groups (page and hitsPerPage count groups), highlight and snippet results with the
 * query's tags, attributesToRetrieve.
 */
import { bareName, facetAttributes, parseFilters } from "./algolia-filters.ts";
import {
  evaluate,
  type Obj,
  originalOffset,
  parseQuery,
  searchableValues,
  type Term,
  type Token,
  tokenize,
  type ValueMatch,
} from "./algolia-matching.ts";

/** An index as the stand-in holds it: settings, and records with the order they were added in. */
export interface IndexState {
  settings: Obj;
  objects: Map<string, { record: Obj; seq: number }>;
}

export function searchIndex(index: IndexState, body: Obj, escapeHighlights: boolean): Obj {
  const params = searchParams(body);
  const settings = { ...index.settings, ...params };
  const searchable = ((index.settings.searchableAttributes as string[] | undefined) ?? []).map(bareName);
  const filter = parseFilters(String(params.filters ?? ""), facetAttributes(index.settings));
  const terms = parseQuery(String(params.query ?? ""), String(settings.queryType ?? "prefixLast"));
  const positive = terms.filter((t) => !t.negated);
  const wordCount = positive.reduce((n, t) => n + t.words.length, 0);
  const typoLimit = (word: string) => {
    if (settings.typoTolerance === false) return 0;
    const length = [...word].length;
    if (length >= Number(settings.minWordSizefor2Typos ?? 8)) return 2;
    return length >= Number(settings.minWordSizefor1Typo ?? 4) ? 1 : 0;
  };

  const candidates: { record: Obj; seq: number; rank: number[]; matches: ValueMatch[] }[] = [];
  for (const { record, seq } of index.objects.values()) {
    if (!filter(record)) continue;
    const values = searchableValues(record, searchable);
    const evaluation = evaluate(values, terms, typoLimit);
    if (!evaluation) continue;
    candidates.push({ record, seq, rank: evaluation.rank, matches: evaluation.matches });
  }
  const custom = ((index.settings.customRanking as string[] | undefined) ?? []).map((c) => {
    const m = /^(asc|desc)\((.+)\)$/.exec(c)!;
    return { desc: m[1] === "desc", attr: m[2]! };
  });
  candidates.sort((a, b) => {
    for (let i = 0; i < a.rank.length; i++) if (a.rank[i] !== b.rank[i]) return a.rank[i]! - b.rank[i]!;
    for (const { desc, attr } of custom) {
      const x = Number(a.record[attr] ?? 0);
      const y = Number(b.record[attr] ?? 0);
      if (x !== y) return desc ? y - x : x - y;
    }
    return a.seq - b.seq;
  });

  const distinctAttr = index.settings.attributeForDistinct as string | undefined;
  const distinctValue = settings.distinct;
  const perGroup = distinctAttr ? (distinctValue === true ? 1 : Number(distinctValue ?? 0)) : 0;
  const groups: (typeof candidates)[] = [];
  if (perGroup > 0) {
    const byValue = new Map<string, typeof candidates>();
    for (const c of candidates) {
      const value = c.record[distinctAttr!];
      const key = value === undefined ? `\u0000${c.seq}` : JSON.stringify(value);
      const group = byValue.get(key);
      if (!group) {
        const fresh = [c];
        byValue.set(key, fresh);
        groups.push(fresh);
      } else if (group.length < perGroup) {
        group.push(c);
      }
    }
  } else {
    for (const c of candidates) groups.push([c]);
  }
  const hitsPerPage = Number(params.hitsPerPage ?? settings.hitsPerPage ?? 20);
  const page = Number(params.page ?? 0);
  const nbHits = Math.min(groups.length, 1000);
  const pre = String(settings.highlightPreTag ?? "<em>");
  const post = String(settings.highlightPostTag ?? "</em>");
  const ellipsis = String(settings.snippetEllipsisText ?? "…");
  const toHighlight = (settings.attributesToHighlight as string[] | undefined) ?? searchable;
  const toSnippet = (settings.attributesToSnippet as string[] | undefined) ?? [];
  const retrieve = retrieval(params, index.settings);
  const hits = groups
    .slice(page * hitsPerPage, (page + 1) * hitsPerPage)
    .flat()
    .map((c) => {
      const hit = retrieve(c.record);
      // Each string of the attribute (an array's elements one by one) through `one`.
      const render = (attr: string, one: (text: string, match: ValueMatch | undefined) => Obj) => {
        const value = c.record[attr];
        const attrIndex = searchable.indexOf(attr);
        const matchOf = (element: number | undefined) =>
          c.matches.find((m) => m.attr === attrIndex && m.element === element);
        if (typeof value === "string") return one(value, matchOf(undefined));
        if (Array.isArray(value)) return value.map((v, i) => one(String(v), matchOf(i)));
        return undefined;
      };
      const highlights: Obj = {};
      for (const attr of toHighlight) {
        const result = render(attr, (text, m) =>
          highlight(text, m, terms, wordCount, pre, post, escapeHighlights),
        );
        if (result !== undefined) highlights[attr] = result;
      }
      const snippets: Obj = {};
      for (const spec of toSnippet) {
        const [attr, words] = spec.split(":");
        const result = render(attr!, (text, m) =>
          snippet(text, m, terms, wordCount, pre, post, ellipsis, Number(words ?? 10), escapeHighlights),
        );
        if (result !== undefined) snippets[attr!] = result;
      }
      return { ...hit, _highlightResult: highlights, _snippetResult: snippets };
    });
  return {
    hits,
    nbHits,
    page,
    nbPages: Math.ceil(nbHits / hitsPerPage),
    hitsPerPage,
    exhaustiveNbHits: true,
    processingTimeMS: 1,
    query: String(params.query ?? ""),
    params: "",
  };
}

function highlight(
  text: string,
  match: ValueMatch | undefined,
  terms: Term[],
  words: number,
  pre: string,
  post: string,
  escaped: boolean,
) {
  const tokens = tokenize(text);
  return {
    value: marked(text, tokens, 0, tokens.length, match, pre, post, escaped),
    ...level(match, terms, words),
    fullyHighlighted: tokens.length > 0 && tokens.every((_, i) => match?.tokens.has(i)),
  };
}

function snippet(
  text: string,
  match: ValueMatch | undefined,
  terms: Term[],
  words: number,
  pre: string,
  post: string,
  ellipsis: string,
  size: number,
  escaped: boolean,
) {
  const tokens = tokenize(text);
  const first = match ? Math.min(...match.tokens.keys()) : 0;
  const from = Math.max(0, Math.min(first - Math.floor(size / 3), tokens.length - size));
  const to = Math.min(tokens.length, from + size);
  const cutStart = from > 0;
  const cutEnd = to < tokens.length;
  const value = marked(text, tokens, from, to, match, pre, post, escaped, !cutStart, !cutEnd);
  return {
    value: `${cutStart ? ellipsis : ""}${value}${cutEnd ? ellipsis : ""}`,
    ...level(match, terms, words),
  };
}

/** Text from token `from` to token `to` (exclusive; the whole text's edges when asked) with matches tagged. */
function marked(
  text: string,
  tokens: Token[],
  from: number,
  to: number,
  match: ValueMatch | undefined,
  pre: string,
  post: string,
  escaped: boolean,
  fromStart = true,
  toEnd = true,
): string {
  const asReturned = (s: string) => (escaped ? escapeHtml(s) : s);
  let out = "";
  let at = fromStart || tokens.length === 0 ? 0 : tokens[from]!.start;
  const end = toEnd || tokens.length === 0 ? text.length : tokens[to - 1]!.end;
  for (let i = from; i < to; i++) {
    const token = tokens[i]!;
    const hit = match?.tokens.get(i);
    if (!hit) continue;
    out += asReturned(text.slice(at, token.start));
    const cut = hit.prefixLength === undefined ? token.end : originalOffset(text, token, hit.prefixLength);
    out += `${pre}${asReturned(text.slice(token.start, cut))}${post}`;
    at = cut;
  }
  return out + asReturned(text.slice(at, end));
}

function level(match: ValueMatch | undefined, terms: Term[], words: number) {
  const matched = match ? [...match.words].sort((a, b) => a - b) : [];
  const all = terms.filter((t) => !t.negated).flatMap((t) => t.words);
  return {
    matchLevel: matched.length === 0 ? "none" : matched.length === words ? "full" : "partial",
    matchedWords: matched.map((i) => all[i]!),
  };
}

export function searchParams(body: Obj): Obj {
  if (typeof body.params !== "string") return body;
  const params: Obj = {};
  for (const [key, value] of new URLSearchParams(body.params)) {
    try {
      params[key] = JSON.parse(value);
    } catch {
      params[key] = value;
    }
  }
  return params;
}

export function retrieval(params: Obj, settings: Obj): (record: Obj) => Obj {
  const attributes = (params.attributesToRetrieve ?? settings.attributesToRetrieve ?? ["*"]) as string[];
  if (attributes.includes("*")) return (record) => ({ ...record });
  return (record) => {
    const out: Obj = { objectID: record.objectID };
    for (const name of attributes) if (name in record) out[name] = record[name];
    return out;
  };
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
