/**
 * SQL pieces of the Postgres search: the tsquery text built from parsed terms (with typo
 * alternatives looked up in `search_words`), and HTML escaping for snippets. ts_headline does
 * not escape, so text is escaped first; `&lt;`-style entities are tokens of their own to the
 * parser, so a `<mark>` can never land inside one.
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

/** A word as a quoted tsquery operand, unaccented and lower-cased like the documents. */
const operand = (word: string) => sql`'''' || lower(unaccent(${word}::text)) || ''''`;

/** Up to 3 indexed words spelled like `word` (pg_trgm similarity), as ` | 'w'` alternatives. */
const typoAlternatives = (word: string) => sql`coalesce((
  select string_agg(' | ''' || s.word || '''', '') from (
    select word from (select distinct word from search_words where word % lower(unaccent(${word}::text))) d
    order by similarity(word, lower(unaccent(${word}::text))) desc, word limit 3) s), '')`;

function termText(term: Term): SQL {
  if (term.words.length > 1) {
    const phrase = sql.join(
      term.words.map((w) => operand(w)),
      sql` || ' <-> ' || `,
    );
    return sql`${term.negated ? sql`'!'` : sql`''`} || '(' || ${phrase} || ')'`;
  }
  const word = term.words[0]!;
  const base = term.prefix ? sql`${operand(word)} || ':*'` : operand(word);
  if (term.negated) return sql`'!' || ${base}`;
  if ([...word].length < TYPO_MIN_CHARS) return base;
  return sql`'(' || ${base} || ${typoAlternatives(word)} || ')'`;
}

/** The query in to_tsquery syntax, to be parsed with each row's own configuration. */
export function tsqueryText(terms: Term[]): SQL {
  return sql.join(
    terms.map((t) => sql`(${termText(t)})`),
    sql` || ' & ' || `,
  );
}

/** The query under every configuration, OR-ed: a constant the GIN indexes can answer. */
export function anyConfigQuery(text: SQL): SQL {
  return sql.join(
    SEARCH_CONFIGS.map((config) => sql`to_tsquery(${sql.raw(`'${config}'`)}::regconfig, ${text})`),
    sql` || `,
  );
}

export function htmlEscape(value: SQL): SQL {
  return sql`replace(replace(replace(replace(replace(${value}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;')`;
}

/** Cue text without its WebVTT tags (`<i>`, `<c.yellow>`, `<00:01.000>`), as shown on screen. */
export const cuePlainText = (value: SQL) => sql`regexp_replace(${value}, '<[^>]*>', '', 'g')`;

export const HEADLINE_WHOLE = "HighlightAll=true, StartSel=<mark>, StopSel=</mark>";
export const HEADLINE_FRAGMENT = "MaxWords=30, MinWords=12, MaxFragments=2, StartSel=<mark>, StopSel=</mark>";

/**
 * `videos.id in (…)` for an owner's own search: every status and visibility, every track
 * status. An owner has few videos, so each row is matched under its own configuration
 * without the all-configurations index pre-filter the public search needs.
 */
export function ownVideosMatching(ownerId: string, terms: Term[]): SQL {
  const text = tsqueryText(terms);
  return sql`videos.id in (
    with q as materialized (select (${text})::text as t)
    select v.id from q, videos v
    where v.owner_id = ${ownerId}::uuid
      and (v.title_tsv @@ to_tsquery(v.search_config::regconfig, q.t)
           or v.description_tsv @@ to_tsquery(v.search_config::regconfig, q.t))
    union
    select tr.video_id from q, videos v
      join subtitle_tracks tr on tr.video_id = v.id
      join subtitle_cues c on c.track_id = tr.id
    where v.owner_id = ${ownerId}::uuid and c.tsv @@ to_tsquery(c.search_config::regconfig, q.t))`;
}
