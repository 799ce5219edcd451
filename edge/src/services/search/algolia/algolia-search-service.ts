/**
 * Search answered by Algolia (SEARCH_PROVIDER=algolia), in the same shape as the Postgres
 * provider. The index holds only public, ready videos (the farm's index_video jobs keep it
 * so); every query also filters on `visibility:public`. Records of one video come back
 * grouped (`distinct`): the video record carries the title and description matches, cue
 * records the subtitle matches with their times. The query is validated and rebuilt from
 * parseQuery's terms, so only words reach Algolia's syntax (phrases, exclusions, prefix).
 */
import { algoliasearch, type Hit, type SearchClient } from "algoliasearch";
import type { EdgeConfig } from "../../../../../shared/config/edge-config.ts";
import { ApiError } from "../../../../../shared/errors/api-error.ts";
import type { CueRecord, SearchCard, VideoRecord } from "../../../../../shared/search/algolia-records.ts";
import { languageKey } from "../../../../../shared/search/algolia-records.ts";
import {
  DESCRIPTION_SNIPPET_WORDS,
  DISTINCT_PER_VIDEO,
  HIGHLIGHT_CLOSE,
  HIGHLIGHT_OPEN,
  SNIPPET_ELLIPSIS,
} from "../../../../../shared/search/algolia-settings.ts";
import { mediaSigner } from "../../media-urls.ts";
import type { SearchInput, SearchProvider, SearchResult } from "../search-provider.ts";
import { parseQuery, type Term } from "../search-query.ts";
import { highlightHtml } from "./algolia-highlight.ts";

const MAX_CUES_PER_VIDEO = 3;
/** Algolia's default paginationLimitedTo: no page starts past the 1,000th hit. */
const MAX_PAGE = 1000;

interface HighlightValue {
  value: string;
  matchLevel: "none" | "partial" | "full";
  matchedWords: string[];
}

type RetrievedRecord = Pick<VideoRecord | CueRecord, "videoId" | "kind" | "lang" | "card"> & {
  times?: [number, number][];
};

type RecordHit = Hit<RetrievedRecord> & {
  _highlightResult?: { title?: HighlightValue; cues?: HighlightValue[] };
  _snippetResult?: { description?: HighlightValue };
};

type Match = SearchResult["hits"][number]["matches"][number];

export type AlgoliaSearchConfig = Pick<
  EdgeConfig,
  | "ALGOLIA_APP_ID"
  | "ALGOLIA_SEARCH_KEY"
  | "ALGOLIA_INDEX"
  | "ALGOLIA_HOSTS"
  | "CDN_BASE_URL"
  | "CDN_TOKEN_SECRET"
  | "PLAYBACK_TOKEN_TTL_S"
  | "PLAYBACK_BIND_IP"
>;

export class AlgoliaSearchService implements SearchProvider {
  constructor(
    private readonly config: AlgoliaSearchConfig,
    private readonly client: SearchClient = searchClientFor(config),
  ) {}

  async search(input: SearchInput): Promise<SearchResult> {
    const started = Date.now();
    const terms = parseQuery(input.q);
    const page = input.cursor === undefined ? 0 : decodeAlgoliaCursor(input.cursor);
    const response = await this.client
      .searchSingleIndex<RetrievedRecord>({
        indexName: this.config.ALGOLIA_INDEX,
        searchParams: {
          query: algoliaQuery(terms),
          queryType: terms.at(-1)?.prefix ? "prefixLast" : "prefixNone",
          filters: input.lang
            ? `visibility:public AND (kind:video OR langKey:"${languageKey(input.lang)}")`
            : "visibility:public",
          page,
          hitsPerPage: input.limit,
          distinct: DISTINCT_PER_VIDEO,
          highlightPreTag: HIGHLIGHT_OPEN,
          highlightPostTag: HIGHLIGHT_CLOSE,
          attributesToHighlight: ["title", "cues"],
          attributesToSnippet: [`description:${DESCRIPTION_SNIPPET_WORDS}`],
          snippetEllipsisText: SNIPPET_ELLIPSIS,
          attributesToRetrieve: ["videoId", "kind", "lang", "times", "card"],
        },
      })
      .catch((err: unknown) => {
        throw unavailable(err);
      });
    const groups = new Map<string, RecordHit[]>();
    for (const hit of response.hits as RecordHit[]) {
      const group = groups.get(hit.videoId);
      if (group) group.push(hit);
      else groups.set(hit.videoId, [hit]);
    }
    const nbPages = response.nbPages ?? 0;
    return {
      hits: [...groups.values()].map((records) => ({
        video: this.card(records[0]!.videoId, records[0]!.card, input.clientIp),
        matches: matchesOf(records),
      })),
      nextCursor:
        page + 1 < nbPages && (page + 1) * input.limit < MAX_PAGE ? encodeAlgoliaCursor(page + 1) : null,
      tookMs: Date.now() - started,
    };
  }

  private card(
    id: string,
    card: SearchCard,
    clientIp: string | undefined,
  ): SearchResult["hits"][number]["video"] {
    return {
      id,
      title: card.title,
      durationMs: card.durationMs,
      // Bound to the viewer only with PLAYBACK_BIND_IP (then the route does not cache the answer).
      posterUrl:
        card.storagePrefix && card.poster
          ? mediaSigner(this.config, card.storagePrefix, clientIp).url(card.poster)
          : null,
      ownerDisplayName: card.ownerDisplayName,
      createdAt: new Date(card.createdAt).toISOString(),
    };
  }
}

/** Title, description, then up to 3 cues: full matches before partial ones, more words first. */
function matchesOf(records: RecordHit[]): Match[] {
  const matches: Match[] = [];
  const video = records.find((r) => r.kind === "video");
  const title = video?._highlightResult?.title;
  if (video && title && title.matchLevel !== "none") {
    matches.push({ field: "title", snippet: highlightHtml(title.value, video.card.title) });
  }
  const description = video?._snippetResult?.description;
  if (description && description.matchLevel !== "none") {
    matches.push({ field: "description", snippet: highlightHtml(description.value, undefined, true) });
  }
  const cues: (Match & { rank: number[] })[] = [];
  records.forEach((record, order) => {
    if (record.kind !== "cues") return;
    (record._highlightResult?.cues ?? []).forEach((cue, index) => {
      const times = record.times?.[index];
      if (cue.matchLevel === "none" || !times) return;
      cues.push({
        field: "subtitle",
        snippet: highlightHtml(cue.value, undefined),
        startMs: times[0],
        endMs: times[1],
        lang: record.lang,
        rank: [cue.matchLevel === "full" ? 0 : 1, -cue.matchedWords.length, order, times[0]],
      });
    });
  });
  cues.sort((a, b) => compareRanks(a.rank, b.rank));
  for (const { rank: _rank, ...cue } of cues.slice(0, MAX_CUES_PER_VIDEO)) matches.push(cue);
  return matches;
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/**
 * The parsed terms in Algolia's advanced syntax. Words hold only letters and digits
 * (parseQuery splits on everything else), so no operator can be smuggled in.
 */
export function algoliaQuery(terms: Term[]): string {
  return terms
    .map((term) => {
      const text = term.words.length > 1 ? `"${term.words.join(" ")}"` : term.words[0]!;
      return term.negated ? `-${text}` : text;
    })
    .join(" ");
}

/** Algolia pages are numbered; the cursor carries the next one, marked so a Postgres cursor is refused. */
export function encodeAlgoliaCursor(page: number): string {
  return btoa(JSON.stringify(["a", page]))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export function decodeAlgoliaCursor(raw: string): number {
  try {
    const decoded = JSON.parse(atob(raw.replace(/-/g, "+").replace(/_/g, "/"))) as unknown;
    if (Array.isArray(decoded) && decoded.length === 2 && decoded[0] === "a") {
      const page = decoded[1];
      if (typeof page === "number" && Number.isInteger(page) && page >= 1 && page < MAX_PAGE) return page;
    }
  } catch {
    // fall through
  }
  throw new ApiError("invalid_cursor", "cursor is not one this API returned");
}

/** Algolia unreachable or failing (5xx, timeouts): 503. Anything else (a bad key) is our bug: 500. */
function unavailable(err: unknown): unknown {
  const status = (err as { status?: unknown }).status;
  const retryExhausted = (err as { name?: unknown }).name === "RetryError";
  if (retryExhausted || (typeof status === "number" && status >= 500)) {
    return new ApiError("service_unavailable", "search is unavailable right now; try again shortly", {
      cause: err,
    });
  }
  return err;
}

// One client per isolate and key: it holds no connection, only which hosts answered lately.
const clients = new Map<string, SearchClient>();

function searchClientFor(config: AlgoliaSearchConfig): SearchClient {
  const { ALGOLIA_APP_ID: appId, ALGOLIA_SEARCH_KEY: key, ALGOLIA_HOSTS: hosts } = config;
  if (!appId || !key) throw new Error("SEARCH_PROVIDER=algolia needs ALGOLIA_APP_ID and ALGOLIA_SEARCH_KEY");
  const cacheKey = JSON.stringify([appId, key, hosts]);
  let client = clients.get(cacheKey);
  if (!client) {
    client = algoliasearch(appId, key, {
      ...(hosts ? { hosts } : {}),
      // A search waits at most this long for Algolia (then the next host, then 503).
      timeouts: { connect: 2000, read: 3000, write: 30_000 },
    });
    clients.set(cacheKey, client);
  }
  return client;
}
