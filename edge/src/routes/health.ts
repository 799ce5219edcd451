import { sql } from "drizzle-orm";
import { Hono } from "hono";
import { withDbTimeout } from "../db/with-timeout.ts";
import type { AppEnv } from "../env.ts";

/** `GET /healthz`: a real round trip through drizzle + the Neon driver, bounded in time. */
export const healthRoutes = new Hono<AppEnv>().get("/healthz", async (c) => {
  const { DB_TIMEOUT_MS } = c.get("config");
  try {
    await withDbTimeout(c.get("db").execute(sql`select 1`), DB_TIMEOUT_MS);
    return c.json({ ok: true, db: "up" as const });
  } catch {
    return c.json({ ok: false, db: "down" as const }, 503);
  }
});
