import { UUID_PATTERN } from "../../../shared/api/common.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";

/**
 * Keyset cursors: the last item's (created_at, id). created_at travels as Postgres' own
 * text form, so microseconds survive the round trip and no row is skipped or repeated.
 */
export interface Cursor {
  at: string;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return btoa(JSON.stringify([cursor.at, cursor.id]))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export function decodeCursor(raw: string): Cursor {
  try {
    const padded = raw.replace(/-/g, "+").replace(/_/g, "/");
    const [at, id] = JSON.parse(atob(padded)) as unknown[];
    if (
      typeof at === "string" &&
      !Number.isNaN(Date.parse(at)) &&
      typeof id === "string" &&
      UUID_PATTERN.test(id)
    ) {
      return { at, id };
    }
  } catch {
    // fall through
  }
  throw new ApiError("invalid_cursor", "cursor is not one this API returned");
}
