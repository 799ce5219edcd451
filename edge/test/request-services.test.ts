/**
 * `c.var.services` (http/services.ts) builds each service on first use and once per request:
 * a request that asks for none builds none, so `/healthz`, pages and JWKS do no service work.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readEdgeConfig } from "../src/config.ts";
import type { Database } from "../src/db/request-db.ts";
import { RequestServices } from "../src/http/services.ts";
import { call } from "./helpers.ts";

/** A database handle that records every property read (a service using it would read one). */
function watchedDb(): { db: Database; reads: PropertyKey[] } {
  const reads: PropertyKey[] = [];
  const db = new Proxy({} as Database, {
    get(_target, prop) {
      reads.push(prop);
      return undefined;
    },
  });
  return { db, reads };
}

describe("RequestServices", () => {
  it("builds nothing until a service is asked for, then the same one for the whole request", async () => {
    const { db, reads } = watchedDb();
    const services = new RequestServices(db, readEdgeConfig(env));
    expect(reads).toEqual([]);
    expect(services.subtitles).toBe(services.subtitles);
    expect(services.webhooks).toBe(services.webhooks);
    expect(services.adminQueries).toBe(services.adminQueries);
    expect(await services.videos).toBe(await services.videos);
    expect(await services.auth).toBe(await services.auth);
    expect(reads).toEqual([]);
  });

  it("leaves /healthz and JWKS answering as before", async () => {
    expect((await call("GET", "/healthz")).status).toBe(200);
    expect((await call("GET", "/.well-known/jwks.json")).status).toBe(200);
  });
});
