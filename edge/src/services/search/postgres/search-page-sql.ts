/**
 * The page of a public search, as CTEs: which videos, in which order, without reading more
 * than the page needs.
 *
 * A video's score is 4 (title) + 2 (description) + 1 (subtitles) for the fields holding query
 * words, so the order is: the seven scores from 7 down, each newest first. Titles and
 * descriptions are few and cheap to match, so every match is computed (`docs`, with its
 * fields as `cls`). Subtitles are not: a common word is in most of a million cues. The cue
 * blocks (up to 64 cues of a track each, see shared/db/schema.ts) are matched instead: their
 * index names the blocks holding every word, and the block query (`<0>`: in one cue) keeps
 * those where one cue holds them all (`cand`). When more than DENSE_BLOCKS blocks match, the
 * list is not finished: the words are everywhere, and each video is checked on its own
 * (`subHit`) — only as many as the page needs: each score's part walks its videos newest
 * first and stops at the page size, and the parts run in order until the page is full (an
 * Append under a LIMIT runs its children one after the other and stops pulling when the limit
 * is reached). Phrases need the cues themselves to confirm the words' order, so they are
 * always checked one video at a time, among the candidates.
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
 * More matching blocks than this and the query's words are common: listing them all costs
 * more than checking the newest videos one by one until the page is full.
 */
const DENSE_BLOCKS = 500;

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
  // join, which may reorder rows or read every candidate before the first is needed).
  const listed = (id: SQL) => sql`not (${id} not in (select video_id from cand))`;
  const dense = sql`(select dense from cand_count)`;
  // Whether the video's subtitles match: from the list when it is complete (a phrase still
  // asks the cues), else by the video's own blocks.
  const subtitles = (id: SQL) =>
    shape.phrases
      ? sql`((${dense} or ${listed(id)}) and ${subHit(id)})`
      : sql`(case when ${dense} then ${subHit(id)} else ${listed(id)} end)`;
  const keyset = (score: number, alias: string) =>
    after && score === after.score
      ? sql`and (${sql.raw(alias)}.created_at, ${sql.raw(alias)}.id) < (${after.at}::timestamptz, ${after.id}::uuid)`
      : sql``;
  const parts: SQL[] = [];
  for (const cls of [6, 4, 2]) {
    for (const withSubtitles of [true, false]) {
      const score = cls + (withSubtitles ? 1 : 0);
      if (after && score > after.score) continue;
      const sub = subtitles(sql`x.id`);
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
          where ${visible("v")} ${keyset(1, "v")} and (${dense} or ${listed(sql`v.id`)})
            and v.id not in (select id from docs)
          order by v.created_at desc, v.id desc offset 0) x
    where ${notExcluded} ${subtitles(sql`x.id`)}
    limit ${rows})`);

  // Titles and descriptions: one index probe with every language in use's query OR-ed
  // (`pre_q` has no weights, so the index alone answers it), then each row against its own
  // language's query. Cue blocks: one probe per language in use (a few), and the block query
  // (which the index cannot answer: weights, `<0>`) only on that language's blocks — another
  // language's stems would otherwise send thousands of blocks through it for nothing. The
  // lateral subquery keeps the probe on the index; `ts_match_vq` is `@@` in a form the
  // planner does not make an index condition (it would then run before the cheap filters).
  const probeBlocks = (index: SQL) => sql`select b.video_id from qs cross join lateral (
      select b.video_id from subtitle_cue_blocks b
      where ${index} and b.search_config = qs.cfg and ${trackFilter(lang)} and ts_match_vq(b.words, qs.block_q)
      limit ${DENSE_BLOCKS + 1}) b
    where numnode(qs.pre_q) > 0`;
  // A phrase probes its pairs' index where the language made pairs of it (its stop words
  // may leave it one word), the words' elsewhere.
  const probe = shape.phrases
    ? sql`(${probeBlocks(sql`numnode(qs.pair_q) > 0 and b.pairs @@ qs.pair_q and b.words @@ qs.pre_q`)})
      union all (${probeBlocks(sql`numnode(qs.pair_q) = 0 and b.words @@ qs.pre_q`)})
      limit ${DENSE_BLOCKS + 1}`
    : sql`${probeBlocks(sql`b.words @@ qs.pre_q`)} limit ${DENSE_BLOCKS + 1}`;
  const orOf = (column: string) =>
    sql.raw(`(select ('(' || string_agg(distinct ${column}::text, ') | (') || ')')::tsquery
      from qs where numnode(${column}) > 0)`);
  return sql`pre as materialized (select ${orOf("pre_q")} as doc_q),
    docs as materialized (
      select v.id, v.created_at,
             case when v.title_tsv @@ qs.any_q then 4 else 0 end
               + case when v.description_tsv @@ qs.any_q then 2 else 0 end as cls
      from pre, videos v join qs on qs.cfg = v.search_config
      where ${videoDoc("v")} @@ pre.doc_q and ${visible("v")} and ${videoDoc("v")} @@ qs.match_q),
    cand_blocks as materialized (${probe}),
    cand_count as materialized (select count(*) > ${DENSE_BLOCKS} as dense from cand_blocks),
    cand as materialized (select distinct video_id from cand_blocks),
    page as materialized (select * from (${sql.join(parts, sql` union all `)}) u limit ${rows})`;
}
