/**
 * The page of a public search, as CTEs: which videos, in which order, without reading more
 * than the page needs.
 *
 * A video's score is 4 (title) + 2 (description) + 1 (subtitles) for the fields holding query
 * words, so the order is: the seven scores from 7 down, each newest first. Titles and
 * descriptions are few and cheap to match, so every match is computed (`docs`, with its
 * fields as `cls`). Subtitles are not: a common word is in most of a million cues. The index
 * on cue blocks (a block: up to 64 cues of a track, see shared/db/schema.ts) names the videos
 * that may hold a matching cue (`cand`, from the index alone); whether one does is decided
 * per video by its blocks (`subHit`: the block query, and for phrases the cues), and only for
 * as many videos as the page needs: each score's part walks its videos newest first and stops
 * at the page size, and the parts run in order until the page is full (an Append under a
 * LIMIT runs its children one after the other and stops pulling when the limit is reached).
 */
import { type SQL, sql } from "drizzle-orm";
import type { SearchCursor } from "./search-cursor.ts";
import { matchingBlocks, type QueryShape, videoDoc } from "./search-sql.ts";

export interface PageInput {
  shape: QueryShape;
  /** Rows to return: the page size plus one, to know whether there is a next page. */
  rows: number;
  after: SearchCursor | undefined;
  /** Only subtitle tracks in this language (primary subtag). */
  lang: string | undefined;
}

/**
 * More candidate blocks than this and the query's words are common: listing them costs more
 * than checking the newest videos one by one until the page is full.
 */
const DENSE_BLOCKS = 2000;

const visible = (v: string) =>
  sql.raw(`${v}.status = 'ready' and ${v}.visibility = 'public' and ${v}.deleted_at is null`);

/** The blocks whose cues count for the public search: of ready tracks, in the `?lang=` language. */
export function trackFilter(lang: string | undefined): SQL {
  const sameLanguage = lang
    ? sql`and lower(split_part(b.track_language, '-', 1)) = lower(split_part(${lang}::text, '-', 1))`
    : sql``;
  return sql`b.track_ready ${sameLanguage}`;
}

/** `docs`, `cand` and `page` (id, created_at, score: at most `rows`, in order), and helpers. */
export function pageCtes({ shape, rows, after, lang }: PageInput): SQL {
  const subHit = (id: SQL) => sql`exists (select 1 from ${matchingBlocks(id, shape, trackFilter(lang))} mb)`;
  // `not (x not in …)`: a hashed lookup the planner keeps as a filter (an `in` would become a
  // join, which may reorder rows or read every candidate before the first is needed). When
  // the blocks' index names more than DENSE_BLOCKS blocks, the words are everywhere: every
  // video is a candidate, and the newest ones are checked first (no list is gathered).
  const isCandidate = (id: SQL) =>
    sql`((select dense from cand_count) or not (${id} not in (select video_id from cand)))`;
  const keyset = (score: number, alias: string) =>
    after && score === after.score
      ? sql`and (${sql.raw(alias)}.created_at, ${sql.raw(alias)}.id) < (${after.at}::timestamptz, ${after.id}::uuid)`
      : sql``;
  const parts: SQL[] = [];
  for (const cls of [6, 4, 2]) {
    for (const withSubtitles of [true, false]) {
      const score = cls + (withSubtitles ? 1 : 0);
      if (after && score > after.score) continue;
      const sub = sql`(${isCandidate(sql`x.id`)} and ${subHit(sql`x.id`)})`;
      parts.push(sql`(select x.id, x.created_at, ${score}::int as score
        from (select d.id, d.created_at from docs d where d.cls = ${cls}
              order by d.created_at desc, d.id desc offset 0) x
        where true ${keyset(score, "x")} and ${withSubtitles ? sub : sql`not ${sub}`}
        limit ${rows})`);
    }
  }
  // Found by subtitles alone: the catalogue newest first, candidates only. A video whose
  // title or description holds an excluded word stays hidden.
  const notExcluded =
    shape.negated.length > 0
      ? sql`not exists (select 1 from videos v join qs on qs.cfg = v.search_config
          where v.id = x.id and ${videoDoc("v")} @@ qs.neg_q) and`
      : sql``;
  parts.push(sql`(select x.id, x.created_at, 1 as score
    from (select v.id, v.created_at from videos v
          where ${visible("v")} ${keyset(1, "v")} and ${isCandidate(sql`v.id`)} and v.id not in (select id from docs)
          order by v.created_at desc, v.id desc offset 0) x
    where ${notExcluded} ${subHit(sql`x.id`)}
    limit ${rows})`);

  // One index probe each for titles and descriptions and for cue blocks, with every language
  // in use's query OR-ed (`pre`: no weights, so the index alone answers it); then each row
  // against its own language's query. Both CTEs filter cheaply before matching `match_q`.
  return sql`pre as materialized (
      select ('(' || string_agg(distinct pre_q::text, ') | (') || ')')::tsquery as q
      from qs where numnode(pre_q) > 0),
    docs as materialized (
      select v.id, v.created_at,
             case when v.title_tsv @@ qs.any_q then 4 else 0 end
               + case when v.description_tsv @@ qs.any_q then 2 else 0 end as cls
      from pre, videos v join qs on qs.cfg = v.search_config
      where ${videoDoc("v")} @@ pre.q and ${visible("v")} and ${videoDoc("v")} @@ qs.match_q),
    cand_blocks as materialized (
      select b.video_id from pre, subtitle_cue_blocks b where b.words @@ pre.q limit ${DENSE_BLOCKS + 1}),
    cand_count as materialized (select count(*) > ${DENSE_BLOCKS} as dense from cand_blocks),
    cand as materialized (select distinct video_id from cand_blocks),
    page as materialized (select * from (${sql.join(parts, sql` union all `)}) u limit ${rows})`;
}
