/**
 * Which database failures mean "the database is unavailable right now" (503, retry) rather
 * than a bug (500): the HTTP query path could not reach Neon's proxy or got a 5xx from it,
 * or Postgres itself refused or dropped the connection (SQLSTATE class 08, shutdown and
 * start-up codes, too many connections), or cancelled a statement that ran past
 * statement_timeout (57014: the database is too busy to answer it in time). Such a
 * statement did not commit.
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P01|57P02|57P03|53300|57014)$/;
const UNREACHABLE = /^(Error connecting to database|Server error \(HTTP status 5\d\d\))/;

export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 4) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && UNAVAILABLE_SQLSTATE.test(code)) return true;
  if (err.name === "NeonDbError" && UNREACHABLE.test(err.message)) return true;
  return isDatabaseUnavailable(err.cause, depth + 1);
}
