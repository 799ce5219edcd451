/**
 * SEARCH_PROVIDER and the Algolia variables, on both sides (the edge's schema is shared code,
 * checked here in Node): Postgres by default, Algolia refused at start without its keys.
 */
import { describe, expect, it } from "vitest";
import { edgeConfigSchema } from "../../shared/config/edge-config.ts";
import { ConfigError, parseEnv } from "../../shared/config/env-parse.ts";
import { readFarmConfig } from "../src/config.ts";

const DATABASE_URL = "postgres://u:p@127.0.0.1:5432/db";
const edge = (env: Record<string, string>) =>
  parseEnv(
    edgeConfigSchema,
    { DATABASE_URL, JWT_PRIVATE_JWK: "{}", CDN_TOKEN_SECRET: "a-real-looking-secret-91", ...env },
    "edge",
  );
const farm = (env: Record<string, string>) => readFarmConfig({ DATABASE_URL, ...env });

describe("search configuration", () => {
  it("is Postgres full text unless told otherwise, with the index named movio_videos", () => {
    expect(edge({})).toMatchObject({ SEARCH_PROVIDER: "postgres", ALGOLIA_INDEX: "movio_videos" });
    expect(farm({})).toMatchObject({ SEARCH_PROVIDER: "postgres", ALGOLIA_INDEX: "movio_videos" });
  });

  it("refuses Algolia without its keys, naming each missing variable and hiding key values", () => {
    const edgeAttempt = () => edge({ SEARCH_PROVIDER: "algolia", ALGOLIA_APP_ID: "APP" });
    expect(edgeAttempt).toThrow(ConfigError);
    expect(edgeAttempt).toThrow(/ALGOLIA_SEARCH_KEY \(unset\): is required when SEARCH_PROVIDER=algolia/);
    expect(edgeAttempt).not.toThrow(/ALGOLIA_APP_ID/);
    const farmAttempt = () => farm({ SEARCH_PROVIDER: "algolia", ALGOLIA_ADMIN_KEY: "  " });
    expect(farmAttempt).toThrow(/ALGOLIA_APP_ID \(unset\): is required when SEARCH_PROVIDER=algolia/);
    expect(farmAttempt).toThrow(/ALGOLIA_ADMIN_KEY \(secret, value not shown\): is required/);
    expect(() => edge({ SEARCH_PROVIDER: "elastic" })).toThrow(/SEARCH_PROVIDER \("elastic"\)/);
  });

  it("takes the keys each side needs, and custom hosts as base URLs", () => {
    const edgeConfig = edge({
      SEARCH_PROVIDER: "algolia",
      ALGOLIA_APP_ID: "APP",
      ALGOLIA_SEARCH_KEY: "search-key",
      ALGOLIA_INDEX: "prod_videos",
      ALGOLIA_HOSTS: "http://127.0.0.1:7700, https://algolia.internal.example",
    });
    expect(edgeConfig).toMatchObject({ ALGOLIA_APP_ID: "APP", ALGOLIA_INDEX: "prod_videos" });
    expect(edgeConfig.ALGOLIA_HOSTS).toEqual([
      { url: "127.0.0.1:7700", protocol: "http", accept: "readWrite" },
      { url: "algolia.internal.example", protocol: "https", accept: "readWrite" },
    ]);
    expect(
      farm({ SEARCH_PROVIDER: "algolia", ALGOLIA_APP_ID: "APP", ALGOLIA_ADMIN_KEY: "k" }).ALGOLIA_HOSTS,
    ).toBe(undefined);
    expect(() => farm({ ALGOLIA_HOSTS: "127.0.0.1:7700" })).toThrow(/ALGOLIA_HOSTS .*not a base URL/);
    expect(() => farm({ ALGOLIA_HOSTS: "http://h/path" })).toThrow(/not a base URL/);
    expect(() => farm({ ALGOLIA_INDEX: "bad name" })).toThrow(/ALGOLIA_INDEX/);
  });
});
