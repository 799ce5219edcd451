import { describe, expect, it } from "vitest";
import { ConfigError } from "../../shared/config/env-parse.ts";
import { readFarmConfig } from "../src/config.ts";

describe("farm configuration", () => {
  it("applies the local defaults", () => {
    const config = readFarmConfig({ DATABASE_URL: "postgres://u:p@127.0.0.1:5432/db" });
    expect(config.FARM_PORT).toBe(1080);
    expect(config.FARM_HOST).toBe("127.0.0.1");
    expect(config.S3_BUCKET).toBe("movio");
    expect(config.S3_FORCE_PATH_STYLE).toBe(true);
  });

  it("names every bad variable in one clear error, with its value unless it is a secret", () => {
    const attempt = () =>
      readFarmConfig({ DATABASE_URL: "mysql://x", FARM_PORT: "http", S3_FORCE_PATH_STYLE: "maybe" });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/DATABASE_URL/);
    expect(attempt).not.toThrow(/mysql:\/\/x/);
    expect(attempt).toThrow(/FARM_PORT \("http"\)/);
    expect(attempt).toThrow(/S3_FORCE_PATH_STYLE \("maybe"\)/);
  });

  it("refuses a transaction pooler: upload locks need a session connection", () => {
    expect(() =>
      readFarmConfig({ DATABASE_URL: "postgres://u:p@ep-cool-1234-pooler.us-east-2.aws.neon.tech/movio" }),
    ).toThrow(/direct connection, not a transaction pooler/);
    expect(
      readFarmConfig({ DATABASE_URL: "postgres://u:p@ep-cool-1234.us-east-2.aws.neon.tech/movio" })
        .DATABASE_URL,
    ).toContain("ep-cool-1234.");
  });

  it("requires a database", () => {
    expect(() => readFarmConfig({})).toThrow(/DATABASE_URL \(unset\)/);
  });
});
