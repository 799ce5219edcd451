/**
 * Search can't be used to load the database: anonymous searches are limited per client
 * address (IPv6 per /64), the API and the /search page alike; a signed-in user has a separate,
 * larger budget of their own, which a forged token does not earn (wrangler.toml:
 * SEARCH_IP_LIMITER 120 and SEARCH_USER_LIMITER 300 a minute).
 */
import { describe, expect, it } from "vitest";
import { call, callJson, type ErrorJson, freshRateLimitWindow, signUp } from "./helpers.ts";
import { uniqueWord } from "./search-helpers.ts";

const ANONYMOUS_PER_MINUTE = 120;
const SIGNED_IN_PER_MINUTE = 300;

/** A /64 of its own per test (the limiter's state lives as long as the test run). */
let net = Math.floor(Math.random() * 0xffff);
const fresh64 = () => `2001:db8:${(net++ % 0xffff).toString(16)}:7`;

/**
 * The limiter counts in fixed 60 s windows: a run straddling a window's end would start a
 * fresh count half-way, so each test starts in a window with at least 20 s left.
 */
const searchFrom = (ip: string, q: string, token?: string) =>
  callJson<ErrorJson>("GET", `/api/v1/search?q=${encodeURIComponent(q)}`, { ip, token });

async function spend(n: number, search: (i: number) => Promise<{ status: number }>): Promise<number[]> {
  const statuses: number[] = [];
  // A few at a time: fast, without flooding the local database bridge.
  for (let i = 0; i < n; i += 10) {
    const batch = await Promise.all(Array.from({ length: Math.min(10, n - i) }, (_, k) => search(i + k)));
    statuses.push(...batch.map((r) => r.status));
  }
  return statuses;
}

describe("search rate limits", () => {
  it("allows 120 anonymous searches a minute per /64, then 429 rate_limited with Retry-After", {
    timeout: 60_000,
  }, async () => {
    await freshRateLimitWindow();
    const prefix = fresh64();
    const word = uniqueWord();
    // Addresses of one /64 share the budget (a client owns the whole /64).
    const statuses = await spend(ANONYMOUS_PER_MINUTE, (i) => searchFrom(`${prefix}::${(i % 7) + 1}`, word));
    expect(statuses.every((s) => s === 200)).toBe(true);
    const refused = await searchFrom(`${prefix}::abcd`, word);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    expect(refused.body.error.message).toContain("too many searches");
    expect(refused.headers.get("retry-after")).toBe("60");
    // Bad queries count too (each one still costs a request).
    expect((await searchFrom(`${prefix}::1`, "")).status).toBe(429);
    // Another client is not affected.
    expect((await searchFrom(`${fresh64()}::1`, word)).status).toBe(200);

    // The /search page's query shares the budget, and says why on the page.
    const page = await call("GET", `/search?q=${word}`, {
      ip: `${prefix}::1`,
      headers: { accept: "text/html" },
    });
    expect(page.status).toBe(429);
    expect(page.headers.get("retry-after")).toBe("60");
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("too many searches");
    // The page without a query runs no search and is not limited.
    expect((await call("GET", "/search", { ip: `${prefix}::1` })).status).toBe(200);
  });

  it("gives a signed-in user a separate budget; a forged token counts against the address", {
    timeout: 60_000,
  }, async () => {
    await freshRateLimitWindow();
    const prefix = fresh64();
    const word = uniqueWord();
    const { accessToken } = await signUp();
    await spend(ANONYMOUS_PER_MINUTE, () => searchFrom(`${prefix}::1`, word));
    expect((await searchFrom(`${prefix}::1`, word)).status).toBe(429);
    const forged = await searchFrom(`${prefix}::1`, word, `${accessToken.slice(0, -4)}AAAA`);
    expect(forged.status).toBe(429);
    expect((await searchFrom(`${prefix}::1`, word, accessToken)).status).toBe(200);
  });

  it("limits a signed-in user to 300 searches a minute from any address", { timeout: 90_000 }, async () => {
    await freshRateLimitWindow();
    const word = uniqueWord();
    const { accessToken } = await signUp();
    // Every search from another /64: the budget follows the user, not the address.
    const statuses = await spend(SIGNED_IN_PER_MINUTE, () =>
      searchFrom(`${fresh64()}::1`, word, accessToken),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    const refused = await searchFrom(`${fresh64()}::1`, word, accessToken);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    expect(refused.headers.get("retry-after")).toBe("60");
  });
});
