/**
 * Every edge statement runs under Postgres' statement_timeout (DB_STATEMENT_TIMEOUT_MS): a
 * slow one is cancelled by Postgres and the request answers a clean 503, never a hang — on
 * the real HTTP query path (neon() → local bridge → Postgres), single statements and batches.
 */
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { readEdgeConfig } from "../src/config.ts";
import { databaseFor } from "../src/db/request-db.ts";
import { toApiError } from "../src/http/on-error.ts";
import { callJson, createVideo, db, type ErrorJson, signUp } from "./helpers.ts";

const TIMEOUT_MS = 300;
const shortTimeout = { DB_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS) };
const edgeDb = (bindings: Record<string, string>) => databaseFor(readEdgeConfig({ ...env, ...bindings }));

async function elapsed<T>(work: Promise<T>): Promise<{ ms: number; result: T | unknown }> {
  const started = Date.now();
  const result = await work.catch((err: unknown) => err);
  return { ms: Date.now() - started, result };
}

describe("statement timeout on every edge query", () => {
  it("sets the timeout on the edge's own query path", async () => {
    const [row] = (
      await edgeDb(shortTimeout).execute<{ t: string }>(sql`select current_setting('statement_timeout') as t`)
    ).rows;
    expect(row!.t).toBe(`${TIMEOUT_MS}ms`);
    // The suite's default (5000 ms unless configured) on the usual handle.
    const [usual] = await db<{ t: string }>(sql`select current_setting('statement_timeout') as t`);
    expect(usual!.t).toBe("5s");
  });

  it("cancels a slow statement (pg_sleep) and maps it to 503 service_unavailable", async () => {
    const { ms, result } = await elapsed(edgeDb(shortTimeout).execute(sql`select pg_sleep(5)`));
    expect(ms).toBeLessThan(3000);
    const apiError = toApiError(result);
    expect(apiError.code).toBe("service_unavailable");
    expect(apiError.status).toBe(503);
  });

  it("cancels a slow statement in a batch too", async () => {
    const handle = edgeDb(shortTimeout);
    const { ms, result } = await elapsed(
      handle.batch([handle.execute(sql`select 1`), handle.execute(sql`select pg_sleep(5)`)]),
    );
    expect(ms).toBeLessThan(3000);
    expect(toApiError(result).code).toBe("service_unavailable");
  });

  it("answers a request whose statement waits too long with 503, not a hang", async () => {
    const owner = await signUp();
    const { video } = await createVideo(owner.accessToken, { title: "Before", visibility: "private" });
    // Another session holds the video's row for 2 s (as a long transaction would).
    const holder = edgeDb({});
    const held = holder.batch([
      holder.execute(sql`select 1 from videos where id = ${video.id} for update`),
      holder.execute(sql`select pg_sleep(2)`),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    const res = await callJson<ErrorJson>("PATCH", `/api/v1/videos/${video.id}`, {
      token: owner.accessToken,
      body: { title: "After" },
      bindings: shortTimeout,
    });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("service_unavailable");
    expect(res.headers.get("retry-after")).toBe("2");
    await held;
    // The cancelled update wrote nothing; once the lock is gone, the same request works.
    const [row] = await db<{ title: string }>(sql`select title from videos where id = ${video.id}`);
    expect(row!.title).toBe("Before");
    const again = await callJson("PATCH", `/api/v1/videos/${video.id}`, {
      token: owner.accessToken,
      body: { title: "After" },
      bindings: shortTimeout,
    });
    expect(again.status).toBe(200);
  });
});
