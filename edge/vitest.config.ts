/**
 * Edge tests run inside workerd (the Workers runtime) through @cloudflare/vitest-pool-workers.
 * The real database is an embedded PostgreSQL started by test/global-setup.ts in Node, reached
 * from workerd through the same WebSocket bridge `npm start` uses.
 */
import path from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { buildWeb } from "../scripts/build-web.ts";
import { freePort } from "../scripts/local/ports.ts";
import { generatePrivateJwk } from "../shared/auth/jwt.ts";

export default defineConfig(async () => {
  // The pages link the built assets (wrangler.toml [assets]): build them as deploy would.
  await buildWeb(() => {});
  // Ports are picked here (before workerd starts) so the bindings can name them; the
  // global set-up reads them back from the environment.
  process.env.MOVIO_TEST_PG_PORT ??= String(await freePort());
  process.env.MOVIO_TEST_BRIDGE_PORT ??= String(await freePort());
  process.env.MOVIO_TEST_BLACKHOLE_PORT ??= String(await freePort());
  // A bridge for a database that is down (nothing listens on its port).
  process.env.MOVIO_TEST_DOWN_BRIDGE_PORT ??= String(await freePort());
  process.env.MOVIO_TEST_DOWN_DB_PORT ??= String(await freePort());
  // A signing key made for this run, and a second one whose tokens the edge must refuse.
  const signingKey = await generatePrivateJwk("test-key");
  const foreignKey = await generatePrivateJwk("test-key");
  const databaseUrl = `postgres://movio:movio-local@127.0.0.1:${process.env.MOVIO_TEST_PG_PORT}/movio`;

  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: path.resolve(import.meta.dirname, "../wrangler.toml") },
        miniflare: {
          bindings: {
            DATABASE_URL: databaseUrl,
            DB_WS_PROXY: `127.0.0.1:${process.env.MOVIO_TEST_BRIDGE_PORT}`,
            DB_TIMEOUT_MS: "1500",
            JWT_PRIVATE_JWK: JSON.stringify(signingKey),
            TEST_FOREIGN_JWK: JSON.stringify(foreignKey),
            MAX_JSON_BYTES: "4096",
            // Off for the suite (tests read right after changing); public-cache.test.ts turns it on.
            PUBLIC_CACHE_TTL_S: "0",
            CDN_TOKEN_SECRET: "test-cdn-token-secret-2f9c41",
            CDN_BASE_URL: "https://cdn.example.test",
            UPLOAD_MAX_BYTES: "1073741824",
            // One line per request would bury test output; request-log.test.ts turns it back on.
            LOG_LEVEL: "warn",
            TEST_BLACKHOLE_PROXY: `127.0.0.1:${process.env.MOVIO_TEST_BLACKHOLE_PORT}`,
            TEST_DOWN_DB_PROXY: `127.0.0.1:${process.env.MOVIO_TEST_DOWN_BRIDGE_PORT}`,
            TEST_DOWN_DATABASE_URL: `postgres://movio:movio-local@127.0.0.1:${process.env.MOVIO_TEST_DOWN_DB_PORT}/movio`,
          },
        },
      }),
    ],
    test: {
      // The repo root, so modules outside edge/ (dash.js, bundled as text) resolve as in wrangler.
      root: path.resolve(import.meta.dirname, ".."),
      // Tests of shared/ sit beside their code and run here, in workerd: shared code must run
      // in the Workers runtime (the farm runs it in Node, where it has fewer limits).
      include: ["edge/test/**/*.test.ts", "shared/**/*.test.ts"],
      globalSetup: ["edge/test/global-setup.ts"],
      testTimeout: 20_000,
      hookTimeout: 60_000,
    },
  };
});
