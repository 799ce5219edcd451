/**
 * Failed sign-ins are limited per account across every client address, with a doubling
 * delay and never a lockout: a right password after the delay always signs in.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type CallOptions, callJson, db, type ErrorJson, type SessionJson, signUp } from "./helpers.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let addressCounter = 0;
/** A fresh documentation address per attempt: a guesser with many machines. */
const elsewhere = () => {
  const n = addressCounter++;
  return `203.0.113.${(n % 250) + 1}`.replace(/^203\.0\.113/, `203.0.${113 + Math.floor(n / 250)}`);
};

function login(email: string, password: string, options: CallOptions = {}) {
  const ip = elsewhere();
  return callJson<SessionJson & ErrorJson>("POST", "/api/v1/auth/login", {
    ip,
    // A proxy in front may name yet another address: neither header escapes the account's count.
    headers: { "x-forwarded-for": `${elsewhere()}, ${ip}` },
    ...options,
    body: { email, password },
  });
}

/** Skips the current wait (as if its Retry-After had passed) without sleeping through it. */
async function waitPasses(email: string) {
  await db(sql`update login_throttles set blocked_until = now()
    where account_key = encode(sha256(convert_to(${`login:${email}`}, 'UTF8')), 'hex')`);
}

describe("failed sign-ins per account, across addresses", () => {
  it("throttles an account guessed from many addresses: 429 with Retry-After, even for the right password", async () => {
    const account = await signUp();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await login(account.user.email, "guessing wrong")).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const refused = await login(account.user.email, "guessing wrong");
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    expect(refused.headers.get("retry-after")).toBe("2");
    // Refused before the check: a guesser cannot learn a right guess during the delay.
    const right = await login(account.user.email, account.password);
    expect(right.status).toBe(429);
    expect(right.body.error.code).toBe("rate_limited");
  });

  it("lets the owner in once the delay has passed, and a success starts the count afresh", async () => {
    const account = await signUp();
    for (let i = 0; i < 5; i++) await login(account.user.email, "guessing wrong");
    const refused = await login(account.user.email, account.password);
    expect(refused.status).toBe(429);
    await sleep(Number(refused.headers.get("retry-after")) * 1000 + 100);
    const owner = await login(account.user.email, account.password);
    expect(owner.status).toBe(200);
    expect(owner.body.user.id).toBe(account.user.id);
    const rows = await db(sql`select 1 from login_throttles
      where account_key = encode(sha256(convert_to(${`login:${account.user.email}`}, 'UTF8')), 'hex')`);
    expect(rows).toHaveLength(0);
    expect((await login(account.user.email, "a typo")).status).toBe(401);
  });

  it("doubles the wait per further failure, up to LOGIN_BACKOFF_MAX_S", async () => {
    const account = await signUp();
    const bindings = { LOGIN_BACKOFF_MAX_S: "5" };
    for (let i = 0; i < 5; i++) await login(account.user.email, "guessing wrong", { bindings });
    const waits: string[] = [];
    for (let i = 0; i < 4; i++) {
      waits.push(
        (await login(account.user.email, "guessing wrong", { bindings })).headers.get("retry-after") ?? "",
      );
      await waitPasses(account.user.email);
      expect((await login(account.user.email, "guessing wrong", { bindings })).status).toBe(401);
    }
    expect(waits).toEqual(["2", "4", "5", "5"]);
  });

  it("gives a burst of parallel guesses one check per delay, not one each", async () => {
    for (let round = 0; round < 3; round++) {
      const account = await signUp();
      for (let i = 0; i < 4; i++) await login(account.user.email, "guessing wrong");
      const burst = await Promise.all([...Array(6)].map(() => login(account.user.email, "guessing wrong")));
      const statuses = burst.map((res) => res.status).sort();
      expect(statuses, `round ${round + 1}`).toEqual([401, 429, 429, 429, 429, 429]);
    }
  });

  it("treats an unknown email exactly like an account (no enumeration through the limit)", async () => {
    const email = `nobody-${Date.now()}@example.com`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login(email, "whatever it is")).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it("forgets failures older than LOGIN_FAILURE_WINDOW_S", async () => {
    const account = await signUp();
    for (let i = 0; i < 5; i++) await login(account.user.email, "guessing wrong");
    await db(sql`update login_throttles
      set last_failed_at = now() - interval '2 hours', blocked_until = now() - interval '2 hours'
      where account_key = encode(sha256(convert_to(${`login:${account.user.email}`}, 'UTF8')), 'hex')`);
    // The count starts again at one: four more failures are not yet throttled.
    for (let i = 0; i < 4; i++) expect((await login(account.user.email, "guessing wrong")).status).toBe(401);
    expect((await login(account.user.email, account.password)).status).toBe(200);
  });
});
