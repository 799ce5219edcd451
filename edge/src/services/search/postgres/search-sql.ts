/**
 * SQL pieces of the Postgres search: the query built from parsed terms (typo alternatives
 * looked up in `search_words`) under each text search configuration, and HTML escaping for
 * snippets. ts_headline does not escape, so text is escaped first; `&lt;`-style entities are
 * tokens of their own to the parser, so a `<mark>` can never land inside one.
 *
 * The documents (migrations/0006_search_across_fields.sql) hold every word twice: stemmed in
 * the row's language at weight A (title, cue) or B (description), and as written (unaccented,
 * lower case) at weight C or D. Whole words match the stemmed copies (`:AB`); the last word
 * typed also matches as a prefix of the written copies (`:*CD`), since a prefix of a word
 * ("runn") is not a prefix of its stem ("run"). The last word gets typo alternatives too, but
 * only when no indexed word begins with it: "lighthuose" (submitted, or typed to its end)
 * finds "lighthouse", while "lighth" (still being typed) is not widened to its neighbours.
 *
 * `search_words` holds only words of public, ready content (see shared/db/schema.ts), so
 * neither an alternative nor the absence of one tells anything about a private video's words.
 */
import { type SQL, sql } from "drizzle-orm";
import { PREFIX_STEM_MIN_CHARS, type Term, TYPO_MIN_CHARS } from "../search-query.ts";

/** Cues per block of subtitle_cue_blocks: `movio_cues_per_block()` in migrations/0008. */
export const CUES_PER_BLOCK = 64;

/** The cues of block `b` (a subtitle_cue_blocks row) among `c` (subtitle_cues), by primary key. */
export const cuesOfBlock = (c: string, b: string) =>
  sql.raw(
    `${c}.track_id = ${b}.track_id and ${c}.idx >= ${b}.block * ${CUES_PER_BLOCK} and ${c}.idx < (${b}.block + 1) * ${CUES_PER_BLOCK}`,
  );

/** Stands for an operand's weight label in the query texts until a query is made of them. */
const WEIGHT = "#";

/** A word as written in the documents' second copy: lower case, accents removed. */
const written = (word: string) => sql`lower(unaccent(${word}::text))`;

/** A word as a quoted tsquery operand followed by its weight placeholder. */
const operand = (word: string) =>
  sql`'''' || replace(${written(word)}, '''', '''''') || '''${sql.raw(WEIGHT)}'`;

/**
 * Up to 3 indexed words spelled like `word` (pg_trgm similarity), as ` | 'w'#` alternatives,
 * for a word that no title, description or cue holds: a word spelled right is not widened to
 * its neighbours, which were not asked for and may be far more common.
 */
const typoAlternatives = (word: string) => sql`case
  when exists (select 1 from search_words where word = ${written(word)}) then ''
  else coalesce((select string_agg(' | ''' || s.word || '''${sql.raw(WEIGHT)}', '') from (
    select word from (select distinct word from search_words where word % ${written(word)}) d
    order by similarity(word, ${written(word)}) desc, word limit 3) s), '') end`;

/**
 * Typo alternatives of the last word, as ` | 'w'#` (or ''), when no indexed word begins with
 * it: the prefix match already finds those, and a word still being typed is no typo. The
 * trigram index answers the LIKE (LIKE's own characters escaped, should unaccent make any).
 */
const likePrefix = (word: string) =>
  sql`replace(replace(replace(${written(word)}, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'`;
const lastWordAlternatives = (word: string) => sql`case
  when exists (select 1 from search_words where word like ${likePrefix(word)}) then ''
  else coalesce((select string_agg(' | ''' || s.word || '''${sql.raw(WEIGHT)}', '') from (
    select word from (select distinct word from search_words where word % ${written(word)}) d
    order by similarity(word, ${written(word)}) desc, word limit 3) s), '') end`;

/** One whole-word term (a phrase, or a word with its typo alternatives), without negation. */
function termText(term: Term, typos: boolean): SQL {
  if (term.words.length > 1) {
    return sql`'(' || ${sql.join(
      term.words.map((w) => operand(w)),
      sql` || ' <-> ' || `,
    )} || ')'`;
  }
  const word = term.words[0]!;
  if (!typos || [...word].length < TYPO_MIN_CHARS) return sql`'(' || ${operand(word)} || ')'`;
  return sql`'(' || ${operand(word)} || ${typoAlternatives(word)} || ')'`;
}

/** Columns of the `terms` CTE joined by a tsquery operator. */
const joinColumns = (columns: string[], op: "&" | "|") => sql.raw(columns.join(` || ' ${op} ' || `));

/** What a query is made of, known before it runs. */
export interface QueryShape {
  /** Whole-word terms to find (all of them). */
  positive: Term[];
  /** Whole-word terms to exclude. */
  negated: Term[];
  /** The last word typed, matched as a prefix. */
  prefix: string | undefined;
  /**
   * A phrase (to find or to exclude): a cue block tells only that its words share a cue, so
   * the cues themselves decide. Without one, a block's match is a cue's match.
   */
  phrases: boolean;
}

export function queryShape(terms: Term[]): QueryShape {
  return {
    positive: terms.filter((t) => !t.negated && !t.prefix),
    negated: terms.filter((t) => t.negated),
    prefix: terms.find((t) => t.prefix)?.words[0],
    phrases: terms.some((t) => t.words.length > 1),
  };
}

/**
 * `terms`, `q` (the query texts, typo alternatives looked up once) and `qs` (the query made under
 * each configuration in use, one row each, joined to documents on their `search_config`):
 * - `match_q`: what a title + description, or a cue, must match (all positive terms, no
 *   negated one);
 * - `block_q`: the same for a block of cues (subtitle_cue_blocks), where the words of one cue
 *   share a position: terms are joined by `<0>` ("in the same cue") instead of `&`; phrases
 *   are loosened to "words in one cue" and excluded phrases left out (the cues decide those);
 * - `any_q`: any positive term (tells which fields of a match hold query words);
 * - `neg_q`: any negated term (a title or description holding one hides the video);
 * - `head_q`: the positive terms without weights, for ts_headline (see headlineQuery);
 * - `pre_q`: loosened for the indexes (no weights, negations or word order), so an index
 *   alone answers it: the rows holding every word somewhere;
 * - `pair_q`: the phrases' pairs of consecutive words, for the cue blocks' `pairs`.
 */
export function queryCtes(shape: QueryShape): SQL {
  const { positive, negated, prefix } = shape;
  // Each term's text once (its typo alternatives looked up once), then the combinations.
  const termColumns: SQL[] = [sql`1 as one`];
  const pos: string[] = [];
  const neg: string[] = [];
  const negWords: string[] = [];
  positive.forEach((term, i) => {
    termColumns.push(sql`${termText(term, true)} as ${sql.raw(`p${i}`)}`);
    pos.push(`t.p${i}`);
  });
  // Excluded words get no typo alternatives.
  negated.forEach((term, i) => {
    termColumns.push(sql`${termText(term, false)} as ${sql.raw(`n${i}`)}`);
    neg.push(`t.n${i}`);
    if (term.words.length === 1) negWords.push(`t.n${i}`);
  });
  const texts: SQL[] = [sql`1 as one`];
  if (pos.length > 0) {
    texts.push(sql`${joinColumns(pos, "&")} as pos_all`, sql`${joinColumns(pos, "|")} as pos_any`);
  }
  if (neg.length > 0) texts.push(sql`${joinColumns(neg, "|")} as neg_any`);
  if (negWords.length > 0) texts.push(sql`${joinColumns(negWords, "|")} as neg_words`);
  if (prefix !== undefined) texts.push(sql`${written(prefix)} as prefix_word`);
  // The last word's typo alternatives (` | 'w'#` each), matched as whole words beside its prefix.
  const prefixTypos = prefix !== undefined && [...prefix].length >= TYPO_MIN_CHARS;
  if (prefixTypos) texts.push(sql`${lastWordAlternatives(prefix)} as prefix_typos`);
  const phrases = positive.filter((t) => t.words.length > 1).map((t) => t.words.join(" "));
  if (phrases.length > 0) texts.push(sql`${sql.param(phrases)}::text[] as phrases`);

  const weighted = (text: SQL, weights: string) =>
    sql`replace(${text}, '${sql.raw(WEIGHT)}', '${sql.raw(weights ? `:${weights}` : "")}')`;
  const tsq = (text: SQL, weights: string) => sql`to_tsquery(cfg::regconfig, ${weighted(text, weights)})`;
  const quotedPrefix = (weights: string) =>
    sql`'''' || replace(q.prefix_word, '''', '''''') || ''':*${sql.raw(weights)}'`;
  // Language-neutral rows hold one copy, at the stemmed weights: their "stem" is the word.
  const stemPrefix = prefix !== undefined && [...prefix].length >= PREFIX_STEM_MIN_CHARS;
  const prefixQ = (stemmed: string, asWritten: string) =>
    stemPrefix
      ? sql`(to_tsquery(cfg::regconfig, ${quotedPrefix(stemmed)})
          || to_tsquery('movio_simple', ${quotedPrefix(asWritten)}))`
      : sql`(case when cfg = 'movio_simple' then to_tsquery(cfg::regconfig, ${quotedPrefix(stemmed)}) else ''::tsquery end
          || to_tsquery('movio_simple', ${quotedPrefix(asWritten)}))`;
  // The last word's alternatives as a query ('' when it has none: `||` then keeps the prefix alone).
  const typoQ = (weights: string) =>
    sql`(case when q.prefix_typos = '' then ''::tsquery
      else to_tsquery(cfg::regconfig, ${weighted(sql`substr(q.prefix_typos, 4)`, weights)}) end)`;
  const lastWordQ = (stemmed: string, asWritten: string) =>
    prefixTypos ? sql`(${prefixQ(stemmed, asWritten)} || ${typoQ("AB")})` : prefixQ(stemmed, asWritten);
  const both = (a: SQL | undefined, b: SQL | undefined, op: "&&" | "||") =>
    a && b ? sql`(${a} ${sql.raw(op)} ${b})` : (a ?? b ?? sql`''::tsquery`);
  const inOneCue = (a: SQL | undefined, b: SQL | undefined) =>
    a && b ? sql`tsquery_phrase(${a}, ${b}, 0)` : (a ?? b ?? sql`''::tsquery`);

  const posAll = pos.length > 0 ? sql`q.pos_all` : undefined;
  const hasPrefix = prefix !== undefined;
  const excluded = neg.length > 0 ? sql`(!! ${tsq(sql`q.neg_any`, "AB")})` : undefined;
  const matchQ = both(
    both(posAll && tsq(posAll, "AB"), excluded, "&&"),
    hasPrefix ? lastWordQ("AB", "CD") : undefined,
    "&&",
  );
  // In a block, A marks a stemmed word, C a word as written, B one that is both.
  const blockQ = inOneCue(
    inOneCue(
      posAll && tsq(sql`replace(replace(${posAll}, ' <-> ', ' <0> '), ' & ', ' <0> ')`, "AB"),
      negWords.length > 0 ? sql`(!! ${tsq(sql`q.neg_words`, "AB")})` : undefined,
    ),
    hasPrefix ? lastWordQ("AB", "BC") : undefined,
  );
  const anyQ = both(posAll && tsq(sql`q.pos_any`, "AB"), hasPrefix ? lastWordQ("AB", "CD") : undefined, "||");
  const negQ = excluded ? tsq(sql`q.neg_any`, "AB") : sql`''::tsquery`;
  const headQ = both(
    both(
      posAll && tsq(sql`q.pos_any`, ""),
      stemPrefix ? sql`to_tsquery(cfg::regconfig, ${quotedPrefix("")})` : undefined,
      "||",
    ),
    prefixTypos ? typoQ("") : undefined,
    "||",
  );
  // Spelled so that languages whose rules agree produce the very same query (one probe).
  const prefixPre = stemPrefix
    ? sql`(case when cfg = 'movio_simple' then to_tsquery('movio_simple', ${quotedPrefix("")})
        else to_tsquery(cfg::regconfig, ${quotedPrefix("")}) || to_tsquery('movio_simple', ${quotedPrefix("")}) end)`
    : sql`to_tsquery('movio_simple', ${quotedPrefix("")})`;
  const preQ = both(
    posAll && tsq(sql`replace(${posAll}, ' <-> ', ' & ')`, ""),
    hasPrefix ? (prefixTypos ? sql`(${prefixPre} || ${typoQ("")})` : prefixPre) : undefined,
    "&&",
  );
  // The configurations rows use (a few of the sixteen), read off two small indexes by a
  // loose index scan: every other language's query would cost time and only add noise.
  const inUse = (table: string) =>
    sql.raw(`select cfg from (with recursive c(cfg) as (
        select min(search_config) from ${table}
        union all select (select min(search_config) from ${table} where search_config > c.cfg) from c where c.cfg is not null)
      select cfg from c) x where cfg is not null`);
  // The phrases' pairs of consecutive stemmed words, as the blocks' `pairs` hold them.
  const pairQ =
    phrases.length > 0
      ? sql`(select coalesce(string_agg(x.pair, ' & '), '')::tsquery from (
          select movio_pair_key(l.lexeme, lead(l.lexeme) over (partition by t.n order by at)) as pair
          from unnest(q.phrases) with ordinality as t(txt, n),
            unnest(to_tsvector(cfg::regconfig, t.txt)) as l, unnest(l.positions) as at) x
          where x.pair is not null)`
      : sql`''::tsquery`;
  return sql`terms as materialized (select ${sql.join(termColumns, sql`, `)}),
    q as materialized (select ${sql.join(texts, sql`, `)} from terms t),
    qs as materialized (
      select cfg, ${matchQ} as match_q, ${blockQ} as block_q, ${anyQ} as any_q, ${negQ} as neg_q,
             ${headQ} as head_q, ${preQ} as pre_q, ${pairQ} as pair_q
      from q, (${inUse("videos")} union ${inUse("subtitle_cue_blocks")}) as configs)`;
}

/**
 * The blocks of a video that hold a matching cue, among those `blocks` (a condition on `b`)
 * lets through, as a derived table (track_id, block, language, search_config, match_q).
 * Without a phrase in the query a block's match is a cue's; with one, a cue confirms it.
 */
export function matchingBlocks(video: SQL, shape: QueryShape, blocks: SQL): SQL {
  // A phrase: the block must hold its pairs, then one of its cues the phrase itself (offset
  // 0 keeps that a subquery per block, so the block's cue range is the index condition).
  const phraseCheck = shape.phrases
    ? sql`and (numnode(qs.pair_q) = 0 or ts_match_vq(b.pairs, qs.pair_q))
        and exists (select 1 from subtitle_cues c where ${cuesOfBlock("c", "b")} and c.tsv @@ qs.match_q offset 0)`
    : sql``;
  return sql`(select b.track_id, b.block, b.track_language as language, b.search_config, qs.match_q
    from subtitle_cue_blocks b join qs on qs.cfg = b.search_config
    where b.video_id = ${video} and ${blocks} and b.words @@ qs.block_q ${phraseCheck})`;
}

/** A video's searchable document: title and description as one (the index is on this). */
export const videoDoc = (alias: string) => sql.raw(`(${alias}.title_tsv || ${alias}.description_tsv)`);

/**
 * The query ts_headline marks in `text`: the positive terms, plus every word of the text the
 * prefix begins (ts_headline compares stems, and "runn" is no prefix of "run"). Only for the
 * page returned, so splitting the text costs little.
 */
export function headlineQuery(shape: QueryShape, config: SQL, text: SQL, headQ: SQL): SQL {
  if (shape.prefix === undefined) return headQ;
  return sql`(${headQ} || coalesce((select to_tsquery(${config}::regconfig, string_agg(distinct '''' || w || '''', ' | '))
    from regexp_split_to_table(lower(unaccent(${text})), '[^[:alnum:]]+') as w
    where w <> '' and starts_with(w, (select prefix_word from q))), ''::tsquery))`;
}

export function htmlEscape(value: SQL): SQL {
  return sql`replace(replace(replace(replace(replace(${value}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;')`;
}

/** Cue text without its WebVTT tags (`<i>`, `<c.yellow>`, `<00:01.000>`), as shown on screen. */
export const cuePlainText = (value: SQL) =>
  // Stored cue text escapes only these three (shared/subtitles/cue.ts); `&amp;` last, so
  // "&amp;lt;" becomes "&lt;" as written, not "<". The snippet is HTML-escaped again after.
  sql`replace(replace(replace(regexp_replace(${value}, '<[^>]*>', '', 'g'), '&lt;', '<'), '&gt;', '>'), '&amp;', '&')`;

export const HEADLINE_WHOLE = "HighlightAll=true, StartSel=<mark>, StopSel=</mark>";
export const HEADLINE_FRAGMENT = "MaxWords=30, MinWords=12, MaxFragments=2, StartSel=<mark>, StopSel=</mark>";

/**
 * `videos.id in (…)` for an owner's own search: every status and visibility, every track
 * status, with the public search's semantics — all words in the title and description
 * together, or all in one cue (a cue holding an excluded word does not match, and neither
 * does a video whose title or description holds one). An owner has few videos, so each is
 * matched under its own configuration without the index pre-filter.
 */
export function ownVideosMatching(ownerId: string, terms: Term[]): SQL {
  const shape = queryShape(terms);
  const excluded = shape.negated.length > 0 ? sql`and not ${videoDoc("v")} @@ vq.neg_q` : sql``;
  return sql`videos.id in (
    with ${queryCtes(shape)}
    select v.id from videos v join qs vq on vq.cfg = v.search_config
    where v.owner_id = ${ownerId}::uuid
      and (${videoDoc("v")} @@ vq.match_q
        or (exists (select 1 from ${matchingBlocks(sql`v.id`, shape, sql`true`)} mb) ${excluded})))`;
}
