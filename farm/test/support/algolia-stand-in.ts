/**
 * A stand-in for Algolia's Search REST API on loopback, so the real `algoliasearch` client —
 * hosts, retries, task polling, browse cursors — is what the tests exercise (pointed at it
 * with custom hosts). It implements only the endpoints Movio calls: batch, deleteByQuery,
 * clear, settings, task status, query and browse. Its engine is a small model of Algolia's:
 *
 * - words match case- and accent-insensitively; the last word also as a prefix
 *   (`queryType: prefixLast`); words of minWordSizefor1Typo letters or more with one typo
 *   (Damerau: a transposition is one), of minWordSizefor2Typos with two; "exact phrases" and
 *   -excluded words (advancedSyntax); every word must match somewhere in the record;
 * - ranking: fewer typos, then the best searchable attribute a word matched in, then more
 *   words matched exactly, then customRanking, then the order records were added;
 * - filters: `attr:value`, AND, OR, NOT and parentheses, on attributesForFaceting only (Algolia
 *   would silently match nothing; the stand-in answers 400 so a missing setting shows);
 * - distinct (groups; page and hitsPerPage count groups), highlight and snippet results with
 *   the query's tags and matchLevel/matchedWords, attributesToRetrieve;
 * - records over 10,000 bytes are refused (400) as on Algolia's small plans.
 *
 * Tasks are applied at once (every task is "published"). `escapeHighlights` makes highlighted
 * values HTML-escaped, to prove the edge is right whichever way the engine behaves. Every
 * request is recorded; `failNextWrites(n)` answers the next n writes with a 500, unapplied.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

type Obj = Record<string, unknown>;

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  status: number;
  key: "admin" | "search" | "unknown";
}

interface Index {
  settings: Obj;
  objects: Map<string, { record: Obj; seq: number }>;
}

interface Token {
  start: number;
  end: number;
  norm: string;
}

interface Term {
  words: string[];
  phrase: boolean;
  negated: boolean;
  prefix: boolean;
}

/** Where one query word matched in one value: token indices with the typos it took. */
interface ValueMatch {
  attr: number;
  element: number | undefined;
  tokens: Map<number, { typos: number; prefixLength?: number }>;
  words: Set<number>;
}

const MAX_RECORD_BYTES = 10_000;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class AlgoliaStandIn {
  readonly requests: RecordedRequest[] = [];
  /** HTML-escape highlighted values (outside the tags), as some describe Algolia doing. */
  escapeHighlights = false;
  private readonly indexes = new Map<string, Index>();
  private failures = 0;
  private taskSeq = 100;
  private objectSeq = 0;

  private constructor(
    private readonly server: http.Server,
    readonly appId: string,
    readonly adminKey: string,
    readonly searchKey: string,
  ) {}

  static async start(
    keys: { appId?: string; adminKey?: string; searchKey?: string } = {},
  ): Promise<AlgoliaStandIn> {
    let standIn: AlgoliaStandIn | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => standIn?.answer(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    standIn = new AlgoliaStandIn(
      server,
      keys.appId ?? "MOVIOTEST",
      keys.adminKey ?? "stand-in-admin-key",
      keys.searchKey ?? "stand-in-search-key",
    );
    return standIn;
  }

  /** `http://127.0.0.1:PORT`, for ALGOLIA_HOSTS. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next `n` writes (batch, deleteByQuery, clear, settings) fail with a 500 and change nothing. */
  failNextWrites(n: number): void {
    this.failures += n;
  }

  /** The records an index holds, in the order they were added. */
  records(indexName: string): Obj[] {
    const index = this.indexes.get(indexName);
    if (!index) return [];
    return [...index.objects.values()].sort((a, b) => a.seq - b.seq).map((o) => o.record);
  }

  settings(indexName: string): Obj | undefined {
    return this.indexes.get(indexName)?.settings;
  }

  /** Requests that changed an index (and were answered 200). */
  get writes(): RecordedRequest[] {
    return this.requests.filter(
      (r) => r.status === 200 && r.method !== "GET" && !/\/(query|browse)$/.test(r.path),
    );
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const method = req.method ?? "GET";
    let body: unknown;
    let status = 200;
    let reply: unknown;
    const key = this.keyOf(req, url);
    try {
      const text = (req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
      body = text ? JSON.parse(text) : undefined;
      if (key === "unknown") throw new HttpError(403, "Invalid Application-ID or API key");
      reply = this.route(method, url.pathname, (body ?? {}) as Obj, key);
    } catch (err) {
      status = err instanceof HttpError ? err.status : 500;
      reply = { message: (err as Error).message, status };
    }
    this.requests.push({ method, path: url.pathname, body, status, key });
    const payload = JSON.stringify(reply);
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
    res.end(payload);
  }

  private keyOf(req: http.IncomingMessage, url: URL): RecordedRequest["key"] {
    const header = (name: string) => {
      const value = req.headers[name];
      return typeof value === "string" ? value : url.searchParams.get(name);
    };
    if (header("x-algolia-application-id") !== this.appId) return "unknown";
    const apiKey = header("x-algolia-api-key");
    if (apiKey === this.adminKey) return "admin";
    if (apiKey === this.searchKey) return "search";
    return "unknown";
  }

  private route(method: string, path: string, body: Obj, key: RecordedRequest["key"]): unknown {
    const match = /^\/1\/indexes\/([^/]+)(?:\/(.+))?$/.exec(path);
    if (!match) throw new HttpError(404, `no such endpoint: ${method} ${path}`);
    const name = decodeURIComponent(match[1]!);
    const rest = match[2] ?? "";
    if (method === "POST" && rest === "query") return this.search(this.index(name), body);
    const write = (apply: (index: Index) => Obj) => {
      if (key !== "admin") throw new HttpError(403, "Method not allowed with this API key");
      if (this.failures > 0) {
        this.failures--;
        throw new HttpError(500, "Internal error (stand-in told to fail this write)");
      }
      return { taskID: ++this.taskSeq, updatedAt: new Date().toISOString(), ...apply(this.index(name)) };
    };
    if (key !== "admin") throw new HttpError(403, "Method not allowed with this API key");
    if (method === "POST" && rest === "batch") return write((index) => this.batch(index, body));
    if (method === "POST" && rest === "deleteByQuery") {
      return write((index) => {
        const filter = parseFilters(String(body.filters ?? ""), facetAttributes(index.settings));
        for (const [id, { record }] of index.objects) if (filter(record)) index.objects.delete(id);
        return {};
      });
    }
    if (method === "POST" && rest === "clear") {
      return write((index) => {
        index.objects.clear();
        return {};
      });
    }
    if (method === "PUT" && rest === "settings") {
      return write((index) => {
        Object.assign(index.settings, body);
        return {};
      });
    }
    if (method === "GET" && rest === "settings") return this.index(name).settings;
    if (method === "GET" && /^task\/\d+$/.test(rest)) {
      if (Number(rest.slice(5)) > this.taskSeq) throw new HttpError(404, "Task does not exist");
      return { status: "published", pendingTask: false };
    }
    if (method === "POST" && rest === "browse") return this.browse(this.index(name), body);
    throw new HttpError(404, `no such endpoint: ${method} ${path}`);
  }

  private index(name: string): Index {
    let index = this.indexes.get(name);
    if (!index) {
      index = { settings: {}, objects: new Map() };
      this.indexes.set(name, index);
    }
    return index;
  }

  private batch(index: Index, body: Obj): Obj {
    const requests = (body.requests ?? []) as { action: string; body: Obj }[];
    // Checked before anything is applied: a refused batch changes nothing.
    requests.forEach((request, position) => {
      if (request.action !== "addObject" && request.action !== "updateObject") return;
      const size = Buffer.byteLength(JSON.stringify(request.body));
      if (size > MAX_RECORD_BYTES) {
        throw new HttpError(
          400,
          `Record at the position ${position} objectID=${request.body.objectID} is too big size=${size}/${MAX_RECORD_BYTES} bytes`,
        );
      }
    });
    const objectIDs: string[] = [];
    for (const { action, body: record } of requests) {
      const id = String(record.objectID ?? `auto-${++this.objectSeq}`);
      objectIDs.push(id);
      if (action === "addObject" || action === "updateObject") {
        index.objects.set(id, { record: { ...record, objectID: id }, seq: ++this.objectSeq });
      } else if (action === "deleteObject") {
        index.objects.delete(id);
      } else {
        throw new HttpError(400, `action ${action} is not implemented by the stand-in`);
      }
    }
    return { objectIDs };
  }

  private browse(index: Index, body: Obj): Obj {
    const params = searchParams(body);
    const filter = parseFilters(String(params.filters ?? ""), facetAttributes(index.settings));
    const all = [...index.objects.values()].sort((a, b) => a.seq - b.seq).filter((o) => filter(o.record));
    const offset = params.cursor ? Number(params.cursor) : 0;
    const size = Math.min(Number(params.hitsPerPage ?? 1000), 1000);
    const page = all.slice(offset, offset + size);
    const retrieve = retrieval(params, index.settings);
    return {
      hits: page.map((o) => retrieve(o.record)),
      ...(offset + size < all.length ? { cursor: String(offset + size) } : {}),
      page: 0,
      nbHits: all.length,
      nbPages: 1,
      hitsPerPage: size,
      processingTimeMS: 1,
      query: "",
      params: "",
    };
  }

  private search(index: Index, body: Obj): Obj {
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
        const render = (attr: string, render: (text: string, match: ValueMatch | undefined) => Obj) => {
          const value = c.record[attr];
          const attrIndex = searchable.indexOf(attr);
          const matchOf = (element: number | undefined) =>
            c.matches.find((m) => m.attr === attrIndex && m.element === element);
          if (typeof value === "string") return render(value, matchOf(undefined));
          if (Array.isArray(value)) return value.map((v, i) => render(String(v), matchOf(i)));
          return undefined;
        };
        const highlight: Obj = {};
        for (const attr of toHighlight) {
          const result = render(attr, (text, m) => this.highlight(text, m, terms, wordCount, pre, post));
          if (result !== undefined) highlight[attr] = result;
        }
        const snippet: Obj = {};
        for (const spec of toSnippet) {
          const [attr, words] = spec.split(":");
          const result = render(attr!, (text, m) =>
            this.snippet(text, m, terms, wordCount, pre, post, ellipsis, Number(words ?? 10)),
          );
          if (result !== undefined) snippet[attr!] = result;
        }
        return { ...hit, _highlightResult: highlight, _snippetResult: snippet };
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

  private highlight(
    text: string,
    match: ValueMatch | undefined,
    terms: Term[],
    words: number,
    pre: string,
    post: string,
  ) {
    const tokens = tokenize(text);
    return {
      value: this.marked(text, tokens, 0, tokens.length, match, pre, post),
      ...level(match, terms, words),
      fullyHighlighted: tokens.length > 0 && tokens.every((_, i) => match?.tokens.has(i)),
    };
  }

  private snippet(
    text: string,
    match: ValueMatch | undefined,
    terms: Term[],
    words: number,
    pre: string,
    post: string,
    ellipsis: string,
    size: number,
  ) {
    const tokens = tokenize(text);
    const first = match ? Math.min(...match.tokens.keys()) : 0;
    const from = Math.max(0, Math.min(first - Math.floor(size / 3), tokens.length - size));
    const to = Math.min(tokens.length, from + size);
    const cutStart = from > 0;
    const cutEnd = to < tokens.length;
    const value = this.marked(text, tokens, from, to, match, pre, post, !cutStart, !cutEnd);
    return {
      value: `${cutStart ? ellipsis : ""}${value}${cutEnd ? ellipsis : ""}`,
      ...level(match, terms, words),
    };
  }

  /** Text from token `from` to token `to` (exclusive; the whole text's edges when asked) with matches tagged. */
  private marked(
    text: string,
    tokens: Token[],
    from: number,
    to: number,
    match: ValueMatch | undefined,
    pre: string,
    post: string,
    fromStart = true,
    toEnd = true,
  ): string {
    const asReturned = (s: string) => (this.escapeHighlights ? escapeHtml(s) : s);
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
}

function level(match: ValueMatch | undefined, terms: Term[], words: number) {
  const matched = match ? [...match.words].sort((a, b) => a - b) : [];
  const all = terms.filter((t) => !t.negated).flatMap((t) => t.words);
  return {
    matchLevel: matched.length === 0 ? "none" : matched.length === words ? "full" : "partial",
    matchedWords: matched.map((i) => all[i]!),
  };
}

/** Every way the record matches the query, or undefined when it does not. */
function evaluate(
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

function searchableValues(record: Obj, searchable: string[]) {
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

const normalize = (text: string) => text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

function tokenize(text: string): Token[] {
  return [...text.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    norm: normalize(m[0]),
  }));
}

/** Where, in the original text, a token's first `normalizedLength` normalized characters end. */
function originalOffset(text: string, token: Token, normalizedLength: number): number {
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

function parseQuery(query: string, queryType: string): Term[] {
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

/** `{params: "a=1&b=2"}` (the older form) or the parameters themselves. */
function searchParams(body: Obj): Obj {
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

function retrieval(params: Obj, settings: Obj): (record: Obj) => Obj {
  const attributes = (params.attributesToRetrieve ?? settings.attributesToRetrieve ?? ["*"]) as string[];
  if (attributes.includes("*")) return (record) => ({ ...record });
  return (record) => {
    const out: Obj = { objectID: record.objectID };
    for (const name of attributes) if (name in record) out[name] = record[name];
    return out;
  };
}

const bareName = (spec: string) => spec.replace(/^\w+\((.+)\)$/, "$1");

function facetAttributes(settings: Obj): Set<string> {
  return new Set(((settings.attributesForFaceting as string[] | undefined) ?? []).map(bareName));
}

/** Algolia's `filters` syntax, facet comparisons only: `a:b`, `a:"b c"`, AND, OR, NOT, ( ). */
function parseFilters(text: string, facets: Set<string>): (record: Obj) => boolean {
  if (text.trim() === "") return () => true;
  const tokens = [...text.matchAll(/\s*("(?:[^"\\]|\\.)*"|\(|\)|:|[^\s():"]+)/g)].map((m) => m[1]!);
  let at = 0;
  const peek = () => tokens[at];
  const next = () => {
    const token = tokens[at++];
    if (token === undefined) throw new HttpError(400, `filters: unexpected end in ${JSON.stringify(text)}`);
    return token;
  };
  const value = (token: string) => (token.startsWith('"') ? JSON.parse(token) : token) as string;
  const or = (): ((r: Obj) => boolean) => {
    const parts = [and()];
    while (peek() === "OR") {
      at++;
      parts.push(and());
    }
    return (r) => parts.some((p) => p(r));
  };
  const and = (): ((r: Obj) => boolean) => {
    const parts = [unary()];
    while (peek() === "AND") {
      at++;
      parts.push(unary());
    }
    return (r) => parts.every((p) => p(r));
  };
  const unary = (): ((r: Obj) => boolean) => {
    const token = next();
    if (token === "NOT") {
      const inner = unary();
      return (r) => !inner(r);
    }
    if (token === "(") {
      const inner = or();
      if (next() !== ")") throw new HttpError(400, `filters: expected ) in ${JSON.stringify(text)}`);
      return inner;
    }
    const attr = value(token);
    if (next() !== ":")
      throw new HttpError(400, `filters: expected attribute:value in ${JSON.stringify(text)}`);
    const wanted = value(next());
    if (!facets.has(attr)) {
      throw new HttpError(
        400,
        `filters: ${attr} is not in attributesForFaceting (Algolia would match nothing)`,
      );
    }
    return (r) => {
      const actual = r[attr];
      return Array.isArray(actual)
        ? actual.map(String).includes(wanted)
        : actual !== undefined && String(actual) === wanted;
    };
  };
  const filter = or();
  if (at !== tokens.length)
    throw new HttpError(400, `filters: unexpected ${tokens[at]} in ${JSON.stringify(text)}`);
  return filter;
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
