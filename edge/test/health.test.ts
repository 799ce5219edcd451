import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index.ts";

async function fetchWith(bindings: Partial<typeof env>, path: string): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`http://edge.test${path}`), { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe("GET /healthz", () => {
  it("answers ok with db up after a real query through drizzle and the Neon driver", async () => {
    const response = await exports.default.fetch("http://edge.test/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, db: "up" });
    expect(response.headers.get("x-request-id")).toMatch(/.+/);
  });

  it("says db down with 503 when nothing listens where the database should be", async () => {
    const response = await fetchWith({ DATABASE_URL: "postgres://movio:x@127.0.0.1:1/movio" }, "/healthz");
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ ok: false, db: "down" });
  });

  it("says db down within the timeout instead of hanging when the database never answers", async () => {
    const started = Date.now();
    const response = await fetchWith(
      // A database of its own, so this isolate's handle for the real one keeps its bridge.
      {
        DATABASE_URL: "postgres://movio:x@blackhole.test:5432/movio",
        DB_WS_PROXY: env.TEST_BLACKHOLE_PROXY,
        DB_TIMEOUT_MS: "800",
      },
      "/healthz",
    );
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ ok: false, db: "down" });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("errors", () => {
  it("answers an unknown route with a JSON error carrying a stable code and the request id", async () => {
    const response = await exports.default.fetch("http://edge.test/no/such/route");
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error.code).toBe("not_found");
    expect(body.error.requestId).toBe(response.headers.get("x-request-id"));
  });
});
