/**
 * What the edge logs about an unexpected error. Database errors are the trap: drizzle's
 * "Failed query: … params: …" message (and so its stack) carries the bound parameters —
 * password hashes, emails, tokens — and Postgres' `detail` repeats key values. Logs get the
 * SQL text (placeholders only), the SQLSTATE and a message without quoted input values.
 */
import { DrizzleQueryError } from "drizzle-orm";

interface PgErrorFields {
  code?: unknown;
  message?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
}

export function describeForLog(err: unknown, depth = 0): string {
  if (depth > 4) return "(cause chain truncated)";
  if (err instanceof DrizzleQueryError) {
    const params = Array.isArray(err.params) ? err.params.length : 0;
    const cause = err.cause === undefined ? "" : `\ncaused by: ${describeForLog(err.cause, depth + 1)}`;
    const query = err.query.replace(/\s+/g, " ").trim();
    return `DrizzleQueryError: Failed query: ${query} (${params} params not logged)${frames(err)}${cause}`;
  }
  if (isPgError(err)) return describePgError(err);
  if (err instanceof Error) {
    const cause = err.cause === undefined ? "" : `\ncaused by: ${describeForLog(err.cause, depth + 1)}`;
    return `${err.name}: ${err.message}${frames(err)}${cause}`;
  }
  return `non-error thrown: ${typeof err}`;
}

/** A Postgres error from the Neon/pg driver: it has a five-character SQLSTATE. */
function isPgError(err: unknown): err is Error & PgErrorFields {
  const code = err instanceof Error ? (err as PgErrorFields).code : undefined;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}

function describePgError(err: Error & PgErrorFields): string {
  const code = String(err.code);
  // Class 22 (data exception) messages quote the offending input: `invalid input syntax … "…"`.
  const message = code.startsWith("22") ? maskQuoted(err.message) : err.message;
  const where = [
    err.table && `table ${err.table}`,
    err.column && `column ${err.column}`,
    err.constraint && `constraint ${err.constraint}`,
  ]
    .filter(Boolean)
    .join(", ");
  return `PostgresError ${code}: ${message}${where ? ` (${where})` : ""}${frames(err)}`;
}

/**
 * Every double-quoted string (backslash escapes inside, none across a line end) as `"…"`: what
 * replacing `"(?:[^"\\]|\\.)*"` globally gives, in one scan. That regex went over the rest of
 * the message again from every unclosed quote (80 KB of `\"` took 2.3 s); here a quote that
 * does not close ends the search up to where its string broke off, because every quote inside
 * that stretch would break off at the same place.
 */
export function maskQuoted(message: string): string {
  let out = "";
  let from = 0;
  let at = 0;
  for (;;) {
    const open = message.indexOf('"', at);
    if (open < 0) break;
    let i = open + 1;
    let close = -1;
    while (i < message.length) {
      const c = message[i];
      if (c === '"') {
        close = i;
        break;
      }
      if (c === "\\") {
        // `.` after the backslash: anything but a line terminator.
        const next = message[i + 1];
        if (next === undefined || next === "\n" || next === "\r" || next === "\u2028" || next === "\u2029")
          break;
        i += 2;
      } else {
        i += 1;
      }
    }
    if (close < 0) {
      if (i >= message.length) break;
      at = i + 1;
      continue;
    }
    out += `${message.slice(from, open)}"…"`;
    from = at = close + 1;
  }
  return out + message.slice(from);
}

/** The stack's frames only: its first lines repeat the message, which is what must not leak. */
function frames(err: Error): string {
  const lines = (err.stack ?? "").split("\n").filter((line) => /^\s+at /.test(line));
  return lines.length ? `\n${lines.slice(0, 12).join("\n")}` : "";
}
