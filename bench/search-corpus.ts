/**
 * The search benchmark's corpus and queries, all deterministic (one seeded PRNG): a fixed
 * vocabulary of 20,000 words ranked by a Zipf law (s = 1), so the first words are very
 * common, as in real speech. The first ranks are English stop words ("the", "of", …), the
 * rest made-up words from syllables, a third of them with English endings (-ing, -ed, -s…)
 * so stemming has work to do. Titles, descriptions and cues are drawn from it.
 */

/** mulberry32: small, fast, and the same sequence on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STOP_WORDS = (
  "the of and to a in is it you that he was for on are with as i his they be at one have this " +
  "from or had by not but what all were we when your can said there use an each which she do how"
).split(" ");
const ONSETS = ["b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z"];
const ONSETS2 = ["br", "ch", "cl", "dr", "fl", "gr", "pl", "sh", "st", "th", "tr"];
const VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou"];
const CODAS = ["", "", "", "n", "r", "l", "s", "m", "t", "nd", "st"];
const ENDINGS = ["s", "ing", "ed", "er", "ly", "ness", "ation", "es"];

export const VOCABULARY_SIZE = 20_000;

/** Draws from the vocabulary with its own random sequence. */
export interface Sampler {
  /** A word drawn by its Zipf frequency. */
  word(): string;
  /** `n` words drawn by frequency, joined by spaces. */
  text(n: number): string;
  random: () => number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
}

export interface Corpus {
  /** Words by rank: 0 is the most common. */
  words: string[];
  /** A sampler of its own: seeding and queries each draw from their own sequence. */
  sampler(seed: number): Sampler;
}

export function makeCorpus(seed = 11): Corpus {
  const random = prng(seed);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  const words: string[] = [...STOP_WORDS];
  const seen = new Set(words);
  while (words.length < VOCABULARY_SIZE) {
    const syllables = 1 + Math.floor(random() * 3);
    let word = "";
    for (let i = 0; i < syllables; i++)
      word += pick(random() < 0.3 ? ONSETS2 : ONSETS) + pick(VOWELS) + pick(CODAS);
    if (random() < 0.33) word += pick(ENDINGS);
    if (word.length < 3 || seen.has(word)) continue;
    seen.add(word);
    words.push(word);
  }
  // Zipf (s = 1): P(rank k) ∝ 1/(k+1); a cumulative table and a binary search per draw.
  const cumulative = new Float64Array(words.length);
  let total = 0;
  for (let k = 0; k < words.length; k++) cumulative[k] = total += 1 / (k + 1);
  const sampler = (samplerSeed: number): Sampler => {
    const next = prng(samplerSeed);
    const word = () => {
      const x = next() * total;
      let lo = 0;
      let hi = words.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid]! < x) lo = mid + 1;
        else hi = mid;
      }
      return words[lo]!;
    };
    const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
    const text = (n: number) => Array.from({ length: n }, word).join(" ");
    return { word, text, random: next, int };
  };
  return { words, sampler };
}

export type QueryKind = "common" | "rare" | "two words" | "phrase" | "prefix" | "typo";

export interface BenchQuery {
  kind: QueryKind;
  q: string;
}

/** A one-letter mistake: two letters swapped, one replaced or one dropped. */
function typo(word: string, corpus: Sampler): string {
  const i = corpus.int(1, word.length - 2);
  const kind = corpus.int(0, 2);
  if (kind === 0) return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
  if (kind === 1) return word.slice(0, i) + "aeiou"[corpus.int(0, 4)] + word.slice(i + 1);
  return word.slice(0, i) + word.slice(i + 1);
}

/**
 * The fixed mix of 500 queries. Whole-word queries end with a space (as typed, with the
 * search box's prefix matching off for the last word); prefixes do not.
 * `phrases` are pairs of adjacent words taken from generated cues, so they exist.
 */
export function makeQueries({ words, sampler }: Corpus, phrases: string[]): BenchQuery[] {
  const corpus = sampler(3);
  const rank = (min: number, max: number) => words[corpus.int(min, max)]!;
  const long = (min: number, max: number) => {
    for (;;) {
      const w = rank(min, max);
      if (w.length >= 6) return w;
    }
  };
  const queries: BenchQuery[] = [];
  const add = (kind: QueryKind, n: number, make: () => string) => {
    for (let i = 0; i < n; i++) queries.push({ kind, q: make() });
  };
  add("common", 100, () => `${rank(STOP_WORDS.length, 300)} `);
  add("rare", 100, () => `${rank(5_000, VOCABULARY_SIZE - 1)} `);
  add("two words", 75, () => `${rank(STOP_WORDS.length, 2_000)} ${rank(STOP_WORDS.length, 2_000)} `);
  add("phrase", 75, () => `"${phrases[corpus.int(0, phrases.length - 1)]}" `);
  add("prefix", 75, () => {
    const w = long(STOP_WORDS.length, 3_000);
    return w.slice(0, corpus.int(3, Math.min(6, w.length - 1)));
  });
  add("typo", 75, () => `${typo(long(STOP_WORDS.length, 5_000), corpus)} `);
  // Interleave the kinds, so caches warm evenly and no kind runs on a colder database.
  return queries
    .map((query) => ({ query, key: corpus.random() }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.query);
}
