import { z } from "@hono/zod-openapi";
import { pageCursor, pageLimit } from "./page-query.ts";

/**
 * `GET /api/v1/search`. `q` is checked by the search service (empty, over 200 characters,
 * over 12 terms or a phrase over 10 words: 400 `query_invalid`), not here, so every such
 * failure carries that one code.
 */
export const SearchQuery = z.object({
  q: z
    .string()
    .max(2000)
    .optional()
    .openapi({
      param: { name: "q", in: "query" },
      description:
        'Words in any order, "quoted phrases", -excluded words; the last word also matches as a prefix. ' +
        "Accents are ignored and words of 5+ letters tolerate typos (the last one too, unless a word begins " +
        "with it). At most 200 characters, 12 terms and 10 words in a phrase.",
      example: "lighthouse keeper",
    }),
  limit: pageLimit(50, 20),
  cursor: pageCursor,
  lang: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "must be a BCP 47 language tag such as en or pt-BR")
    .optional()
    .openapi({
      param: { name: "lang", in: "query" },
      description: "Only subtitle tracks in this language are searched (titles and descriptions still are)",
      example: "en",
    }),
});

export const SearchMatchSchema = z
  .object({
    field: z.enum(["title", "description", "subtitle"]),
    snippet: z.string().openapi({
      description: "HTML: matched words inside <mark>…</mark>, everything else escaped",
    }),
    startMs: z.number().int().optional().openapi({ description: "Subtitle matches: the cue's start" }),
    endMs: z.number().int().optional(),
    lang: z.string().nullable().optional().openapi({ description: "Subtitle matches: the track's language" }),
  })
  .openapi("SearchMatch");

export const SearchVideoSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    durationMs: z.number().int().nullable(),
    posterUrl: z.string().nullable(),
    ownerDisplayName: z.string(),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("SearchVideo");

export const SearchResultSchema = z
  .object({
    hits: z.array(z.object({ video: SearchVideoSchema, matches: z.array(SearchMatchSchema) })),
    nextCursor: z.string().nullable(),
    tookMs: z.number(),
  })
  .openapi("SearchResult");
