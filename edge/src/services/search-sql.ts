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
 * ("runn") is not a prefix of its stem ("run").
 */
import { type SQL, sql } from "drizzle-orm";
import { type Term, TYPO_MIN_CHARS } from "./search-query.ts";

/** Every configuration migrations/0005_search.sql creates (a row's own is in `search_config`). */
export const SEARCH_CONFIGS = [
  "english",
  "french",
  "german",
  "spanish",
  "portuguese",
  "italian",
  "dutch",
  "russian",
  "swedish",
  "norwegian",
  "danish",
  "finnish",
  "hungarian",
  "romanian",
  "turkish",
  "simple",
].map((name) => `movio_${name}`);

/** Stands for an operand's weight label in the query texts until a query is made of them. */
const WEIGHT = "#";

/** A word as written in the documents' second copy: lower case, accents removed. */
const written = (word: string) => sql`lower(unaccent(${word}::text))`;

/** A word as a quoted tsquery operand followed by its weight placeholder. */
const operand = (word: string) =>
  sql`'''' || replace(${written(word)}, '''', '''''') || '''${sql.raw(WEIGHT)}'`;

/** Up to 3 indexed words spelled like `word` (pg_trgm similarity), as ` | 'w'#` alternatives. */
const typoAlternatives = (word: string) => sql`coalesce((
  select string_agg(' | ''' || s.word || '''${sql.raw(WEIGHT)}', '') from (
    select word from (select distinct word from search_words where word % ${written(word)}) d
    order by similarity(word, ${written(word)}) desc, word limit 3) s), '')`;

/** One whole-word term (a word with its typo alternatives, or a phrase), without negation. */
function termText(term: Term): SQL {
  if (term.words.length > 1) {
    return sql`'(' || ${sql.join(
      term.words.map((w) => operand(w)),
      sql` || ' <-> ' || `,
    )} || ')'`;
  }
  const word = term.words[0]!;
  if ([...word].length < TYPO_MIN_CHARS) return operand(word);
  return sql`'(' || ${operand(word)} || ${typoAlternatives(word)} || ')'`;
}

const joinTerms = (terms: Term[], op: "&" | "|") =>
  sql.join(
    terms.map((t) => sql`(${termText(t)})`),
    sql.raw(` || ' ${op} ' || `),
  );

/** What a query is made of, known before it runs. */
export interface QueryShape {
  /** Whole-word terms to find (all of them). */
  positive: Term[];
  /** Whole-word terms to exclude. */
  negated: Term[];
  /** The last word typed, matched as a prefix. */
  prefix: string | undefined;
}

export function queryShape(terms: Term[]): QueryShape {
  return {
    positive: terms.filter((t) => !t.negated && !t.prefix),
    negated: terms.filter((t) => t.negated),
    prefix: terms.find((t) => t.prefix)?.words[0],
  };
}

/**
 * `q` (the query texts, typo alternatives looked up once) and `qs` (the query made under
 * every configuration, one row each, joined to documents on their `search_config`):
 * - `match_q`: what a document must match (all positive terms, no negated one);
 * - `any_q`: any positive term (tells which fields of a match hold query words);
 * - `neg_q`: any negated term (a title or description holding one hides the video);
 * - `head_q`: the positive terms without weights, for ts_headline (see headlineQuery);
 * - `pre_q`: `match_q` loosened for the GIN indexes (no weights, negations or phrase order),
 *   so an index answers it without rechecking rows; OR-ed over configurations in `preFilter`.
 */
export function queryCtes(shape: QueryShape): SQL {
  const { positive, negated, prefix } = shape;
  const texts: SQL[] = [sql`1 as one`];
  if (positive.length > 0) {
    texts.push(sql`${joinTerms(positive, "&")} as pos_all`, sql`${joinTerms(positive, "|")} as pos_any`);
  }
  if (negated.length > 0) texts.push(sql`${joinTerms(negated, "|")} as neg_any`);
  if (prefix !== undefined) texts.push(sql`${written(prefix)} as prefix_word`);

  const tsq = (text: string, weights: string) =>
    sql`to_tsquery(cfg::regconfig, replace(q.${sql.raw(text)}, '${sql.raw(WEIGHT)}', '${sql.raw(weights ? `:${weights}` : "")}'))`;
  const quotedPrefix = (weights: string) =>
    sql`'''' || replace(q.prefix_word, '''', '''''') || ''':*${sql.raw(weights)}'`;
  const prefixQ = (stemmed: string, asWritten: string) =>
    sql`(to_tsquery(cfg::regconfig, ${quotedPrefix(stemmed)})
      || to_tsquery('movio_simple', ${quotedPrefix(asWritten)}))`;
  const both = (a: SQL | undefined, b: SQL | undefined, op: "&&" | "||") =>
    a && b ? sql`(${a} ${sql.raw(op)} ${b})` : (a ?? b ?? sql`''::tsquery`);

  const hasPos = positive.length > 0;
  const hasPrefix = prefix !== undefined;
  const matchQ = both(
    negated.length > 0
      ? sql`(${hasPos ? sql`${tsq("pos_all", "AB")} && ` : sql``}!! ${tsq("neg_any", "AB")})`
      : hasPos
        ? tsq("pos_all", "AB")
        : undefined,
    hasPrefix ? prefixQ("AB", "CD") : undefined,
    "&&",
  );
  const anyQ = both(
    hasPos ? tsq("pos_any", "AB") : undefined,
    hasPrefix ? prefixQ("AB", "CD") : undefined,
    "||",
  );
  const negQ = negated.length > 0 ? tsq("neg_any", "AB") : sql`''::tsquery`;
  const headQ = both(
    hasPos ? tsq("pos_any", "") : undefined,
    hasPrefix ? sql`to_tsquery(cfg::regconfig, ${quotedPrefix("")})` : undefined,
    "||",
  );
  const preQ = both(
    hasPos
      ? sql`to_tsquery(cfg::regconfig, replace(replace(q.pos_all, ' <-> ', ' & '), '${sql.raw(WEIGHT)}', ''))`
      : undefined,
    hasPrefix ? prefixQ("", "") : undefined,
    "&&",
  );
  const configs = sql.raw(`array[${SEARCH_CONFIGS.map((c) => `'${c}'`).join(",")}]`);
  return sql`q as materialized (select ${sql.join(texts, sql`, `)}),
    qs as materialized (
      select cfg, ${matchQ} as match_q, ${anyQ} as any_q, ${negQ} as neg_q, ${headQ} as head_q, ${preQ} as pre_q
      from q, unnest(${configs}::text[]) as cfg)`;
}

/** `pre_q` of every configuration OR-ed: one constant tsquery the GIN indexes can answer. */
export const preFilter = sql`(select ('(' || string_agg(distinct pre_q::text, ') | (') || ')')::tsquery
  from qs where numnode(pre_q) > 0)`;

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
 * does a video whose title or description holds one). An owner has few videos, so each row
 * is matched under its own configuration without the index pre-filter.
 */
export function ownVideosMatching(ownerId: string, terms: Term[]): SQL {
  const shape = queryShape(terms);
  const excluded = shape.negated.length > 0 ? sql`and not ${videoDoc("v")} @@ qs.neg_q` : sql``;
  return sql`videos.id in (
    with ${queryCtes(shape)}
    select v.id from videos v join qs on qs.cfg = v.search_config
    where v.owner_id = ${ownerId}::uuid
      and (${videoDoc("v")} @@ qs.match_q
        or (exists (select 1 from subtitle_tracks tr join subtitle_cues c on c.track_id = tr.id
                      join qs cq on cq.cfg = c.search_config
                    where tr.video_id = v.id and c.tsv @@ cq.match_q) ${excluded})))`;
}
