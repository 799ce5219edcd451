/**
 * Cursor pagination's query, in one place: every list of the API takes `?limit=` (how many,
 * bounded per list) and `?cursor=` (the `nextCursor` of the previous page, opaque to the
 * client). `PageQuery` is the plain list's query; lists with filters extend it or reuse the
 * two parameters with their own bounds.
 */
import { z } from "@hono/zod-openapi";

/** `?limit=`: 1..max, `fallback` when absent. */
export const pageLimit = (max: number, fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .default(fallback)
    .openapi({ param: { name: "limit", in: "query" } });

/** `?cursor=`: bounded so a forged cursor costs nothing to refuse. */
export const pageCursor = z
  .string()
  .max(200)
  .optional()
  .openapi({ param: { name: "cursor", in: "query" } });

/** A page of up to 100 items, 20 by default (videos, webhook deliveries). */
export const PageQuery = z.object({ limit: pageLimit(100, 20), cursor: pageCursor });
