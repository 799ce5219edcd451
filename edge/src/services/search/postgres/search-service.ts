/**
 * Search over the public catalog (Postgres full text): titles, descriptions and subtitle
 * cues, each stemmed in its own language (the `search_config` triggers keep beside it).
 * One statement per search: matching, ranking, paging and snippets in a single round trip.
 * Visibility is read from `videos` in that statement, so a video made private or deleted
 * disappears from results the moment its change commits.
 */
import type { z } from "@hono/zod-openapi";
import { type SQL, sql } from "drizzle-orm";
import type { SearchMatchSchema } from "../../../../../shared/api/search.ts";
import type { EdgeConfig } from "../../../../../shared/config/edge-config.ts";
import type { Database } from "../../../db/request-db.ts";
import { mediaSigner } from "../../media-urls.ts";
import type { SearchInput, SearchResult } from "../search-provider.ts";
import { parseQuery } from "../search-query.ts";
import { decodeSearchCursor, encodeSearchCursor } from "./search-cursor.ts";
import { pageCtes, trackFilter } from "./search-page-sql.ts";
import {
  cuePlainText,
  cuesOfBlock,
  HEADLINE_FRAGMENT,
  HEADLINE_WHOLE,
  headlineQuery,
  htmlEscape,
  matchingBlocks,
  queryCtes,
  queryShape,
} from "./search-sql.ts";

type SearchMatch = z.output<typeof SearchMatchSchema>;

interface CueHit {
  snippet: string;
  startMs: number;
  endMs: number;
  lang: string | null;
}

interface Row extends Record<string, unknown> {
  id: string;
  score: number;
  cursor_at: string;
  created_at: string;
  title: string;
  duration_ms: number | null;
  display_name: string;
  storage_prefix: string | null;
  poster: string | null;
  title_snippet: string | null;
  description_snippet: string | null;
  cues: CueHit[];
}

const MAX_CUES_PER_VIDEO = 3;

export class SearchService {
  constructor(
    private readonly db: Database,
    private readonly config: EdgeConfig,
  ) {}

  async search(input: SearchInput): Promise<SearchResult> {
    const started = Date.now();
    const shape = queryShape(parseQuery(input.q));
    const after = input.cursor === undefined ? undefined : decodeSearchCursor(input.cursor);
    const headline = (config: SQL, text: SQL, options: string) =>
      sql`ts_headline(${config}::regconfig, ${htmlEscape(text)},
        ${headlineQuery(shape, config, text, sql`(select head_q from qs where qs.cfg = ${config})`)}, ${options})`;
    const result = await this.db.execute<Row>(sql`
      with ${queryCtes(shape)},
      ${pageCtes({ shape, rows: input.limit + 1, after, lang: input.lang })}
      select p.id, p.score, p.created_at::text as cursor_at, to_json(p.created_at) #>> '{}' as created_at,
             v.title, v.duration_ms, u.display_name, v.storage_prefix, v.media->>'poster' as poster,
             case when p.score & 4 = 4 then ${headline(sql`v.search_config`, sql`v.title`, HEADLINE_WHOLE)} end as title_snippet,
             case when p.score & 2 = 2 then ${headline(sql`v.search_config`, sql`v.description`, HEADLINE_FRAGMENT)} end as description_snippet,
             case when p.score & 1 = 1 then (select coalesce(json_agg(json_build_object(
                 'snippet', ${headline(sql`h.search_config`, cuePlainText(sql`h.text`), HEADLINE_WHOLE)},
                 'startMs', h.start_ms, 'endMs', h.end_ms, 'lang', h.language) order by h.rank desc, h.start_ms), '[]'::json)
              from (select c.start_ms, c.end_ms, c.text, c.search_config, mb.language, ts_rank(c.tsv, mb.match_q) as rank
                    from ${matchingBlocks(sql`p.id`, shape, trackFilter(input.lang))} mb
                    cross join lateral (select * from subtitle_cues c
                      where ${cuesOfBlock("c", "mb")} and c.tsv @@ mb.match_q offset 0) c
                    order by rank desc, c.start_ms limit ${MAX_CUES_PER_VIDEO}) h) else '[]'::json end as cues
      from page p join videos v on v.id = p.id join users u on u.id = v.owner_id
      order by p.score desc, p.created_at desc, p.id desc`);
    const rows = result.rows;
    const page = rows.slice(0, input.limit);
    const last = page.at(-1);
    return {
      hits: page.map((row) => ({
        video: {
          id: row.id,
          title: row.title,
          durationMs: row.duration_ms,
          posterUrl: this.posterUrl(row, input.clientIp),
          ownerDisplayName: row.display_name,
          createdAt: new Date(row.created_at).toISOString(),
        },
        matches: matchesOf(row),
      })),
      nextCursor:
        rows.length > input.limit && last
          ? encodeSearchCursor({ score: Number(last.score), at: last.cursor_at, id: last.id })
          : null,
      tookMs: Date.now() - started,
    };
  }

  /** The poster on the CDN, signed for the video's directory like its playback URLs. */
  private posterUrl(row: Row, clientIp: string | undefined): string | null {
    if (!row.storage_prefix || !row.poster) return null;
    return mediaSigner(this.config, row.storage_prefix, clientIp).url(row.poster);
  }
}

function matchesOf(row: Row): SearchMatch[] {
  const matches: SearchMatch[] = [];
  if (row.title_snippet !== null) matches.push({ field: "title", snippet: row.title_snippet });
  if (row.description_snippet !== null)
    matches.push({ field: "description", snippet: row.description_snippet });
  for (const cue of row.cues) {
    matches.push({
      field: "subtitle",
      snippet: cue.snippet,
      startMs: cue.startMs,
      endMs: cue.endMs,
      lang: cue.lang,
    });
  }
  return matches;
}
