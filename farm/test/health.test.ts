import type http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, inject, it } from "vitest";
import { readFarmConfig } from "../src/config.ts";
import { createDbPool } from "../src/db/pool.ts";
import { createFarmServer } from "../src/http/server.ts";
import { PgLocker } from "../src/uploads/pg-locker.ts";

const running: { server: http.Server; end: () => Promise<void> }[] = [];

async function startFarm(databaseUrl: string, timeoutMs = 3000): Promise<string> {
  const config = readFarmConfig({ DATABASE_URL: databaseUrl, DB_TIMEOUT_MS: String(timeoutMs) });
  const db = createDbPool(config);
  const locker = new PgLocker({ connectionString: databaseUrl, waitMs: 1000 });
  await locker.start();
  const server = createFarmServer({ config, db, lockingUp: () => locker.up });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  running.push({ server, end: () => Promise.all([db.end(), locker.close()]).then(() => undefined) });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const { server, end } of running.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await end();
  }
});

describe("farm GET /healthz", () => {
  it("answers ok with db up after a real query", async () => {
    const base = await startFarm(inject("databaseUrl"));
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, db: "up", locking: "up" });
  });

  it("answers 503 db down, quickly, when the database is unreachable", async () => {
    const base = await startFarm("postgres://movio:x@127.0.0.1:1/movio", 1000);
    const started = Date.now();
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ ok: false, db: "down", locking: "down" });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("refuses other methods and unknown paths with the shared JSON error shape", async () => {
    const base = await startFarm(inject("databaseUrl"));
    const post = await fetch(`${base}/healthz`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe("method_not_allowed");
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    const body = (await missing.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe("not_found");
    expect(body.error.requestId).toBe(missing.headers.get("x-request-id"));
  });
});
