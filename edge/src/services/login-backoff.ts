/**
 * Failed sign-ins per account, across every client address (the per-IP and per-email+IP
 * limits in http/rate-limit.ts cannot see a guesser spread over many addresses).
 *
 * Invariant: after LOGIN_BACKOFF_AFTER failures within LOGIN_FAILURE_WINDOW_S, the account
 * takes one attempt per delay — 2 s, 4 s, 8 s … doubling per further failure, capped at
 * LOGIN_BACKOFF_MAX_S — and an attempt during the delay is refused (429 rate_limited with
 * Retry-After) before its password is checked, so a guesser learns nothing from it. Never a
 * lockout: once the delay has passed, the next attempt is checked, and a right password
 * signs in and clears the count (auth-service.ts deletes the row with the new session).
 * The state is one row in Postgres (login_throttles) keyed by a hash of the email, so an
 * unknown email behaves exactly like an account.
 */
import { type SQL, sql } from "drizzle-orm";
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import type { Database } from "../db/request-db.ts";

/** Stale rows a failure deletes on its way (keeps the table to the live window). */
const PRUNE_PER_FAILURE = 20;

type BackoffConfig = Pick<
  EdgeConfig,
  "LOGIN_BACKOFF_AFTER" | "LOGIN_BACKOFF_MAX_S" | "LOGIN_FAILURE_WINDOW_S"
>;

export class LoginBackoff {
  constructor(
    private readonly db: Database,
    private readonly config: BackoffConfig,
  ) {}

  /**
   * Lets one attempt through, or refuses it. An attempt that may be the one reaching (or
   * passing) the threshold claims the account's next slot at once — as if it will fail — so
   * a burst of parallel guesses from many addresses gets one check per delay, not one each.
   */
  async admit(email: string): Promise<void> {
    const key = await loginAccountKey(email);
    const { LOGIN_BACKOFF_AFTER: after } = this.config;
    // `cur` locks the account's row and, if a concurrent attempt changed it meanwhile,
    // reads its latest version (READ COMMITTED re-reads a row a locking select waited for):
    // of parallel attempts, one claims and the others see the wait it set.
    const result = await this.db.execute<{ claimed: number; wait_s: number | null }>(sql`
      with cur as (
        select account_key, failures, blocked_until from login_throttles
        where account_key = ${key} and ${this.live(sql`last_failed_at`)}
        for update
      ), claim as (
        update login_throttles t
        set blocked_until = now() + ${this.delay(sql`c.failures + 1`)}
        from cur c
        where t.account_key = c.account_key and c.failures + 1 >= ${after}::int and c.blocked_until <= now()
        returning 1
      )
      select (select count(*) from claim)::int as claimed,
             (select ceil(extract(epoch from blocked_until - now()))::int from cur
              where blocked_until > now()) as wait_s`);
    const row = result.rows[0];
    if (!row || row.claimed > 0 || row.wait_s === null) return;
    const wait = Math.max(1, Number(row.wait_s));
    throw new ApiError("rate_limited", `too many failed sign-ins for this account; try again in ${wait} s`, {
      headers: { "retry-after": String(wait) },
    });
  }

  /** Counts a wrong password (or unknown email) and sets the account's next delay. */
  async failed(email: string): Promise<void> {
    const key = await loginAccountKey(email);
    const failures = sql`case when t.last_failed_at > now() - make_interval(secs => ${this.config.LOGIN_FAILURE_WINDOW_S}::int) then t.failures + 1 else 1 end`;
    await this.db.execute(sql`
      with prune as (
        delete from login_throttles where account_key in (
          select account_key from login_throttles
          where not ${this.live(sql`last_failed_at`)} and account_key <> ${key}
          limit ${PRUNE_PER_FAILURE}
        )
      )
      insert into login_throttles as t (account_key, failures, last_failed_at, blocked_until)
      values (${key}, 1, now(), now() + ${this.delay(sql`1`)})
      on conflict (account_key) do update set
        failures = ${failures},
        last_failed_at = now(),
        blocked_until = greatest(
          case when t.last_failed_at > now() - make_interval(secs => ${this.config.LOGIN_FAILURE_WINDOW_S}::int)
               then t.blocked_until else now() end,
          now() + ${this.delay(failures)})`);
  }

  /** The wait after `failures` failures: none below the threshold, then 2, 4, 8 … s, capped. */
  private delay(failures: SQL): SQL {
    const { LOGIN_BACKOFF_AFTER: after, LOGIN_BACKOFF_MAX_S: cap } = this.config;
    return sql`make_interval(secs => case when ${failures} >= ${after}::int
      then least(${cap}::int, power(2, least(${failures} - ${after}::int + 1, 30))) else 0 end)`;
  }

  /** Failures older than the window are forgotten. */
  private live(column: SQL): SQL {
    return sql`${column} > now() - make_interval(secs => ${this.config.LOGIN_FAILURE_WINDOW_S}::int)`;
  }
}

/** SHA-256 of the normalised email: no guessed address is stored in clear. */
export async function loginAccountKey(email: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`login:${email}`));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
