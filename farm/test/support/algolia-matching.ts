/**
 * The Algolia stand-in's matching model (support/algolia-stand-in.ts): words compared
 * case- and accent-insensitively, the last word also as a prefix, typos by Damerau distance
 * (a transposition is one), "exact phrases" and -excluded words; every word must match
 * somewhere in the record's searchable attributes.
 */
export type Obj = Record<string, unknown>;

export interface Token {
  start: number;
  end: number;
  norm: string;
}

export interface Term {
  words: string[];
  phrase: boolean;
  negated: boolean;
  prefix: boolean;
}

/** Where one query word matched in one value: token indices with the typos it took. */
export interface ValueMatch {
  attr: number;
  element: number | undefined;
  tokens: Map<number, { typos: number; prefixLength?: number }>;
  words: Set<number>;
}

export function evaluate(
  values: { attr: number; element: number | undefined; tokens: Token[] }[],
  terms: Term[],
  typoLimit: (word: string) => number,
): { rank: number[]; matches: ValueMatch[] } | undefined {
  const matches = new Map<string, ValueMatch>();
  const matchOf = (v: (typeof values)[number]) => {
    const key = `${v.attr}:${v.element}`;
    let m = matches.get(key);
    if (!m) {
      m = { attr: v.attr, element: v.element, tokens: new Map(), words: new Set() };
      matches.set(key, m);
    }
    return m;
  };
  let typos = 0;
  let exact = 0;
  let bestAttr = Number.POSITIVE_INFINITY;
  let wordIndex = 0;
  for (const term of terms) {
    if (term.negated) {
      if (values.some((v) => phraseAt(v.tokens, term.words).length > 0)) return undefined;
      continue;
    }
    if (term.phrase) {
      let found = false;
      for (const v of values) {
        for (const start of phraseAt(v.tokens, term.words)) {
          found = true;
          const m = matchOf(v);
          term.words.forEach((_, k) => {
            m.tokens.set(start + k, { typos: 0 });
            m.words.add(wordIndex + k);
          });
          bestAttr = Math.min(bestAttr, v.attr);
        }
      }
      if (!found) return undefined;
      exact += term.words.length;
      wordIndex += term.words.length;
      continue;
    }
    const word = term.words[0]!;
    const limit = typoLimit(word);
    let best: { typos: number; exact: boolean; attr: number } | undefined;
    for (const v of values) {
      v.tokens.forEach((token, i) => {
        let hit: { typos: number; prefixLength?: number } | undefined;
        if (token.norm === word) hit = { typos: 0 };
        else if (term.prefix && token.norm.startsWith(word)) hit = { typos: 0, prefixLength: word.length };
        else if (limit > 0) {
          const d = distance(word, token.norm, limit);
          if (d <= limit) hit = { typos: d };
        }
        if (!hit) return;
        const m = matchOf(v);
        m.tokens.set(i, hit);
        m.words.add(wordIndex);
        const isExact = hit.typos === 0 && hit.prefixLength === undefined;
        if (
          !best ||
          hit.typos < best.typos ||
          (hit.typos === best.typos &&
            (v.attr < best.attr || (v.attr === best.attr && isExact && !best.exact)))
        ) {
          best = { typos: hit.typos, exact: isExact, attr: v.attr };
        }
      });
    }
    if (!best) return undefined;
    typos += best.typos;
    if (best.exact) exact++;
    bestAttr = Math.min(bestAttr, best.attr);
    wordIndex++;
  }
  return { rank: [typos, bestAttr, -exact], matches: [...matches.values()] };
}

/** Starts of the phrase (consecutive exact words) in the tokens. */
function phraseAt(tokens: Token[], words: string[]): number[] {
  const starts: number[] = [];
  for (let i = 0; i + words.length <= tokens.length; i++) {
    if (words.every((w, k) => tokens[i + k]!.norm === w)) starts.push(i);
  }
  return starts;
}

export function searchableValues(record: Obj, searchable: string[]) {
  const values: { attr: number; element: number | undefined; tokens: Token[] }[] = [];
  searchable.forEach((name, attr) => {
    const value = record[name];
    if (typeof value === "string") values.push({ attr, element: undefined, tokens: tokenize(value) });
    else if (Array.isArray(value)) {
      value.forEach((v, element) => {
        values.push({ attr, element, tokens: tokenize(String(v)) });
      });
    }
  });
  return values;
}

export const normalize = (text: string) => text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

export function tokenize(text: string): Token[] {
  return [...text.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    norm: normalize(m[0]),
  }));
}

/** Where, in the original text, a token's first `normalizedLength` normalized characters end. */
export function originalOffset(text: string, token: Token, normalizedLength: number): number {
  let length = 0;
  let at = token.start;
  for (const char of text.slice(token.start, token.end)) {
    if (length >= normalizedLength) break;
    length += normalize(char).length;
    at += char.length;
  }
  return at;
}

/** Damerau (optimal string alignment) distance, or limit + 1 once it is certainly over. */
function distance(a: string, b: string, limit: number): number {
  const x = [...a];
  const y = [...b];
  if (Math.abs(x.length - y.length) > limit) return limit + 1;
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) =>
    Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[x.length]![y.length]!;
}

export function parseQuery(query: string, queryType: string): Term[] {
  const terms: Term[] = [];
  for (const m of query.matchAll(/(-?)"([^"]*)"?|(-?)([^\s"]+)/g)) {
    const phrase = m[2] !== undefined;
    const words = tokenize(phrase ? m[2]! : m[4]!).map((t) => t.norm);
    if (words.length === 0) continue;
    const negated = (phrase ? m[1] : m[3]) === "-";
    if (phrase || negated) terms.push({ words, phrase: true, negated, prefix: false });
    else
      for (const word of words) terms.push({ words: [word], phrase: false, negated: false, prefix: false });
  }
  const last = terms.at(-1);
  if (queryType === "prefixAll") for (const t of terms) t.prefix = !t.phrase && !t.negated;
  else if (queryType === "prefixLast" && last && !last.phrase && !last.negated) last.prefix = true;
  return terms;
}
