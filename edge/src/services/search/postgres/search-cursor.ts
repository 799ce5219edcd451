/**
 * Search cursors: the last hit's (score, created_at, id), the exact order of the results,
 * so a page never repeats or skips a hit of the same query. Validated here, where decoded:
 * a cursor that is not one we issued is a 400, never a failed query.
 */
import { UUID_PATTERN } from "../../../../../shared/api/common.ts";
import { ApiError } from "../../../../../shared/errors/api-error.ts";
import { isPgTimestamptz } from "../../video-cursor.ts";

export interface SearchCursor {
  score: number;
  at: string;
  id: string;
}

export function encodeSearchCursor(cursor: SearchCursor): string {
  return btoa(JSON.stringify([cursor.score, cursor.at, cursor.id]))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export function decodeSearchCursor(raw: string): SearchCursor {
  try {
    const decoded = JSON.parse(atob(raw.replace(/-/g, "+").replace(/_/g, "/"))) as unknown;
    if (Array.isArray(decoded) && decoded.length === 3) {
      const [score, at, id] = decoded as unknown[];
      if (
        typeof score === "number" &&
        Number.isInteger(score) &&
        score >= 0 &&
        score <= 100 &&
        typeof at === "string" &&
        isPgTimestamptz(at) &&
        typeof id === "string" &&
        UUID_PATTERN.test(id)
      ) {
        return { score, at, id };
      }
    }
  } catch {
    // fall through
  }
  throw new ApiError("invalid_cursor", "cursor is not one this API returned");
}
