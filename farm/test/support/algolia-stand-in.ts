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
 * The engine: algolia-query.ts (ranking, distinct, highlights), algolia-matching.ts (words,
 * typos, phrases), algolia-filters.ts (filters).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { facetAttributes, HttpError, parseFilters } from "./algolia-filters.ts";
import type { Obj } from "./algolia-matching.ts";
import { type IndexState, retrieval, searchIndex, searchParams } from "./algolia-query.ts";

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  status: number;
  key: "admin" | "search" | "unknown";
}

type Index = IndexState;

const MAX_RECORD_BYTES = 10_000;

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
    if (method === "POST" && rest === "query") {
      return searchIndex(this.index(name), body, this.escapeHighlights);
    }
    // Everything else needs the admin key (the edge's search-only key may only query).
    if (key !== "admin") throw new HttpError(403, "Method not allowed with this API key");
    const write = (apply: (index: Index) => Obj) => {
      if (this.failures > 0) {
        this.failures--;
        throw new HttpError(500, "Internal error (stand-in told to fail this write)");
      }
      return { taskID: ++this.taskSeq, updatedAt: new Date().toISOString(), ...apply(this.index(name)) };
    };
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
}
/** Every way the record matches the query, or undefined when it does not. */
/** `{params: "a=1&b=2"}` (the older form) or the parameters themselves. */
