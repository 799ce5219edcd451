/** Edge configuration refusals, and config errors that never print a secret. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { edgeConfigSchema } from "../../shared/config/edge-config.ts";
import { ConfigError, isSecretVariable, parseEnv } from "../../shared/config/env-parse.ts";
import worker from "../src/index.ts";

const parse = (overrides: Record<string, unknown>) =>
  parseEnv(edgeConfigSchema, { ...env, ...overrides } as unknown as Record<string, unknown>, "edge");

function errorOf(overrides: Record<string, unknown>): string {
  try {
    parse(overrides);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("the configuration was accepted");
}

describe("CDN_TOKEN_SECRET", () => {
  it("refuses keys shorter than 16 characters, the empty .env.example value and placeholders", () => {
    expect(errorOf({ CDN_TOKEN_SECRET: "fifteen-chars-1" })).toMatch(/CDN_TOKEN_SECRET .*at least 16/);
    expect(errorOf({ CDN_TOKEN_SECRET: "" })).toMatch(/CDN_TOKEN_SECRET .*placeholder/);
    expect(errorOf({ CDN_TOKEN_SECRET: "change-me-to-32-random-chars" })).toMatch(/placeholder/);
    expect(errorOf({ CDN_TOKEN_SECRET: "x".repeat(33) })).toMatch(/at most 32/);
    expect(errorOf({ CDN_TOKEN_SECRET: undefined })).toMatch(/CDN_TOKEN_SECRET \(unset\)/);
    expect(parse({ CDN_TOKEN_SECRET: "k3Vq9-0aZx_7LmT2" }).CDN_TOKEN_SECRET).toBe("k3Vq9-0aZx_7LmT2");
  });
});

describe("config errors", () => {
  it("name a secret variable without its value", () => {
    const message = errorOf({
      DATABASE_URL: "mysql://movio:hunter2-db-password@db.internal/movio",
      CDN_TOKEN_SECRET: "tooshort-s3cr3t",
      JWT_PRIVATE_JWK: "",
    });
    expect(message).toMatch(/DATABASE_URL \(secret, value not shown\): must be a postgres/);
    expect(message).toMatch(/CDN_TOKEN_SECRET \(secret, value not shown\)/);
    expect(message).toMatch(/JWT_PRIVATE_JWK \(secret, value not shown\)/);
    expect(message).not.toContain("hunter2");
    expect(message).not.toContain("tooshort-s3cr3t");
  });

  it("still show the value of an ordinary variable, without a URL's password", () => {
    const message = errorOf({ DB_TIMEOUT_MS: "soon", PUBLIC_BASE_URL: "https://ops:pa55word@not a url" });
    expect(message).toContain('DB_TIMEOUT_MS ("soon")');
    expect(message).toContain('PUBLIC_BASE_URL ("https://ops:***@not a url")');
    expect(message).not.toContain("pa55word");
  });

  it("treat every secret-looking name as secret, and key ids and TTLs as not", () => {
    for (const name of [
      "DATABASE_URL",
      "JWT_PRIVATE_JWK",
      "CDN_TOKEN_SECRET",
      "S3_SECRET_ACCESS_KEY",
      "AWS_SECRET_ACCESS_KEY",
      "ALGOLIA_API_KEY",
      "WEBHOOK_SIGNING_SECRET",
      "SMTP_PASSWORD",
      "JWT_PREVIOUS_PUBLIC_JWKS",
    ]) {
      expect(isSecretVariable(name), name).toBe(true);
    }
    for (const name of ["S3_ACCESS_KEY_ID", "ACCESS_TOKEN_TTL_S", "CDN_BASE_URL", "UPLOAD_MAX_BYTES"]) {
      expect(isSecretVariable(name), name).toBe(false);
    }
  });
});

describe("JWT_PREVIOUS_PUBLIC_JWKS", () => {
  const retired = {
    kty: "OKP",
    crv: "Ed25519",
    kid: "retired-2025",
    x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
  };

  it("refuses entries that hold private key material", () => {
    for (const [member, value] of [
      ["d", "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"],
      ["k", "c2VjcmV0LXN5bW1ldHJpYy1rZXk"],
      ["p", "x"],
      ["qi", "x"],
    ] as const) {
      const message = errorOf({
        JWT_PREVIOUS_PUBLIC_JWKS: JSON.stringify([{ ...retired, [member]: value }]),
      });
      expect(message).toMatch(
        new RegExp(
          `JWT_PREVIOUS_PUBLIC_JWKS \\(secret, value not shown\\): entry 0 holds private .*${member}`,
        ),
      );
      expect(message).not.toContain(value);
    }
    expect(errorOf({ JWT_PREVIOUS_PUBLIC_JWKS: "{not json" })).toMatch(/is not JSON/);
    expect(errorOf({ JWT_PREVIOUS_PUBLIC_JWKS: '[{"kid":"x"}]' })).toMatch(/entry 0 is not a JWK/);
  });

  it("accepts public keys (an array or a JWKS object) and publishes them beside the signing key", async () => {
    expect(
      parse({ JWT_PREVIOUS_PUBLIC_JWKS: JSON.stringify({ keys: [retired] }) }).JWT_PREVIOUS_PUBLIC_JWKS,
    ).toEqual([retired]);
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request("http://edge.test/.well-known/jwks.json"),
      { ...env, JWT_PREVIOUS_PUBLIC_JWKS: JSON.stringify([retired]) },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const body = (await response.json()) as { keys: { kid: string }[] };
    expect(body.keys.map((k) => k.kid)).toEqual(["test-key", "retired-2025"]);
  });
});
