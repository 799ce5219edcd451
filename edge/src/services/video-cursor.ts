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

/**
 * The exact text Postgres gives for `timestamptz::text` (ISO DateStyle), e.g.
 * `2026-05-01 12:34:56.123456+00` or `…+05:30`. Only this form is accepted: what JavaScript's
 * Date.parse takes ("1", "May 1", ISO with a T) is not what Postgres takes, and a cursor
 * Postgres refuses would fail the query instead of the request.
 */
const PG_TIMESTAMPTZ =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?[+-](\d{2})(?::(\d{2})(?::(\d{2}))?)?$/;

export function isPgTimestamptz(text: string): boolean {
  const match = PG_TIMESTAMPTZ.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second, offsetH, offsetM, offsetS] = match
    .slice(1)
    .map((part) => Number(part ?? 0));
  // A real calendar day: Postgres refuses 2026-02-30 ("field value out of range") and year 0.
  const date = new Date(Date.UTC(year!, month! - 1, day!));
  const realDay =
    year! >= 1 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month! - 1 &&
    date.getUTCDate() === day;
  return (
    realDay &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 59 &&
    offsetH! <= 15 &&
    offsetM! <= 59 &&
    offsetS! <= 59
  );
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
    const decoded = JSON.parse(atob(padded)) as unknown;
    if (Array.isArray(decoded) && decoded.length === 2) {
      const [at, id] = decoded as unknown[];
      if (typeof at === "string" && isPgTimestamptz(at) && typeof id === "string" && UUID_PATTERN.test(id)) {
        return { at, id };
      }
    }
  } catch {
    // fall through
  }
  throw new ApiError("invalid_cursor", "cursor is not one this API returned");
}
