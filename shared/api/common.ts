import { z } from "@hono/zod-openapi";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "validation_failed" }),
      message: z.string(),
      requestId: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");

/**
 * Text the database can store as given: Postgres refuses U+0000 in text (the query fails),
 * and an unpaired surrogate would be stored as U+FFFD, silently changing what was sent.
 */
export function isStorableText(text: string): boolean {
  return !text.includes("\u0000") && !/\p{Cs}/u.test(text);
}

export const storableText = <T extends z.ZodString>(schema: T) =>
  schema.refine(isStorableText, "must be text without NUL characters or unpaired surrogates");

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `:id` in a path: a UUID, or the request is refused with `invalid_id` before any query. */
export const IdParam = z.object({
  id: z
    .string()
    .regex(UUID_PATTERN)
    .openapi({ param: { name: "id", in: "path" }, example: "0b9f3a52-3c9a-4f7e-9c55-3b8a9b3f0e11" }),
});

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: `Error (${status})`, content: { "application/json": { schema: ErrorSchema } } },
    ]),
  );
