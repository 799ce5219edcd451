/** Unexpected errors are logged without a database query's bound parameters. */
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readEdgeConfig } from "../src/config.ts";
import { databaseFor } from "../src/db/request-db.ts";
import type { AppEnv } from "../src/env.ts";
import { maskQuoted } from "../src/http/log-error.ts";
import { onError } from "../src/http/on-error.ts";

const EMAIL = "victim.secret@example.com";
const HASH = "scrypt$16384$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNo";

/** A real failed query through drizzle and the Neon driver, with sensitive bound values. */
async function failedQuery(query: ReturnType<typeof sql>): Promise<unknown> {
  try {
    await databaseFor(readEdgeConfig(env)).execute(query);
  } catch (err) {
    return err;
  }
  throw new Error("the query succeeded");
}

async function logged(err: unknown): Promise<{ status: number; log: string }> {
  const spy = vi.spyOn(console, "error").mockImplementation(() => undefined);
  const app = new Hono<AppEnv>();
  app.use("*", async (c, next) => {
    c.set("requestId", "req-log-test");
    await next();
  });
  app.get("/", () => {
    throw err;
  });
  app.onError(onError);
  const response = await app.request("/");
  const log = spy.mock.calls.map((args) => args.map(String).join(" ")).join("\n");
  return { status: response.status, log };
}

afterEach(() => vi.restoreAllMocks());

describe("logging unexpected errors", () => {
  it("logs a failed query's SQL and SQLSTATE but none of its parameters", async () => {
    const err = await failedQuery(
      sql`select ${EMAIL}::text as email, ${HASH}::text as hash from users where id = ${"not-a-uuid"}::uuid`,
    );
    expect(String((err as Error).message)).toContain(EMAIL); // drizzle's own message carries them
    const { status, log } = await logged(err);
    expect(status).toBe(500);
    expect(JSON.parse(log)).toMatchObject({
      level: "error",
      msg: "unexpected error",
      requestId: "req-log-test",
    });
    expect(log).toMatch(/Failed query: select \$1::text as email/);
    expect(log).toContain("22P02");
    expect(log).not.toContain(EMAIL);
    expect(log).not.toContain(HASH);
    expect(log).not.toContain("not-a-uuid");
  });

  it("leaves out the detail of a constraint violation (it repeats the key's value)", async () => {
    const email = `dup.${Date.now()}@example.com`;
    const row = (name: string) =>
      sql`insert into users (email, password_hash, display_name) values (${email}, ${HASH}, ${name})`;
    const err = await failedQuery(sql`with a as (${row("x")}), b as (${row("y")}) select 1`);
    const { log } = await logged(err);
    expect(log).toContain("23505");
    expect(log).toContain("users_email_key");
    expect(log).not.toContain(email);
    expect(log).not.toContain(HASH);
  });

  it("masks quoted input values of a data exception in time linear in the message", async () => {
    // A quote left open before 40,000 escaped quotes: the regex this replaced took seconds.
    const hostile = `invalid input syntax for type uuid: "${'\\"'.repeat(40_000)}`;
    const err = Object.assign(new Error(`value "${EMAIL}" is bad; ${hostile}`), { code: "22P02" });
    const start = performance.now();
    const { log } = await logged(err);
    expect(performance.now() - start).toBeLessThan(500);
    expect(log).toContain('PostgresError 22P02: value \\"…\\" is bad');
    expect(log).not.toContain(EMAIL);
  });

  it("masks what the regex it replaced masked", () => {
    const regex = (text: string) => text.replace(/"(?:[^"\\]|\\.)*"/g, '"…"');
    fc.assert(
      fc.property(
        fc
          .array(fc.constantFrom('"', "\\", "a", "\n", "\u2028", " "), { maxLength: 30 })
          .map((a) => a.join("")),
        (text) => maskQuoted(text) === regex(text),
      ),
      { numRuns: 5_000 },
    );
  });
});
