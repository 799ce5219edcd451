/** Access-token security: only tokens this edge signed, for this audience, unexpired. */
import { env } from "cloudflare:workers";
import { base64url, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { ACCESS_AUDIENCE, importSigningKey, signJwt, UPLOAD_AUDIENCE } from "../../shared/auth/jwt.ts";
import { callJson, type ErrorJson, signUp } from "./helpers.ts";

async function meWith(token: string) {
  return callJson<ErrorJson>("GET", "/api/v1/me", { token });
}

describe("access tokens", () => {
  it("refuses a token signed with another key that claims our kid (forged signature)", async () => {
    const account = await signUp();
    const foreign = await importSigningKey(env.TEST_FOREIGN_JWK);
    const { token } = await signJwt(foreign, ACCESS_AUDIENCE, account.user.id, { role: "admin" }, 900);
    const res = await meWith(token);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("token_invalid");
  });

  it("refuses a token whose payload was edited after signing", async () => {
    const account = await signUp();
    const [header, payload, signature] = account.accessToken.split(".");
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload!)));
    const edited = base64url.encode(JSON.stringify({ ...claims, role: "admin" }));
    const res = await meWith(`${header}.${edited}.${signature}`);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("token_invalid");
  });

  it("refuses an expired token with token_expired", async () => {
    const account = await signUp();
    const key = await importSigningKey(env.JWT_PRIVATE_JWK);
    const past = Math.floor(Date.now() / 1000) - 3600;
    const token = await new SignJWT({ role: "viewer" })
      .setProtectedHeader({ alg: "EdDSA", kid: key.kid })
      .setIssuer("movio-edge")
      .setAudience(ACCESS_AUDIENCE)
      .setSubject(account.user.id)
      .setIssuedAt(past - 900)
      .setExpirationTime(past)
      .sign(key.privateKey);
    const res = await meWith(token);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("token_expired");
  });

  it('refuses an unsigned token (alg: "none")', async () => {
    const account = await signUp();
    const header = base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }));
    const now = Math.floor(Date.now() / 1000);
    const payload = base64url.encode(
      JSON.stringify({
        sub: account.user.id,
        aud: ACCESS_AUDIENCE,
        iss: "movio-edge",
        iat: now,
        exp: now + 900,
      }),
    );
    const res = await meWith(`${header}.${payload}.`);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("token_invalid");
  });

  it("refuses a token for another audience (an upload token is not an access token)", async () => {
    const account = await signUp();
    const key = await importSigningKey(env.JWT_PRIVATE_JWK);
    const { token } = await signJwt(
      key,
      UPLOAD_AUDIENCE,
      account.user.id,
      { vid: crypto.randomUUID(), max: 1 },
      900,
    );
    const res = await meWith(token);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("token_invalid");
  });

  it("refuses a malformed Authorization header", async () => {
    const res = await callJson<ErrorJson>("GET", "/api/v1/me", { headers: { authorization: "Basic abc" } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("token_invalid");
  });
});

describe("GET /.well-known/jwks.json", () => {
  it("publishes the public key (no private part) that verifies the edge's tokens", async () => {
    const res = await callJson<{ keys: Record<string, string>[] }>("GET", "/.well-known/jwks.json");
    expect(res.status).toBe(200);
    expect(res.body.keys).toHaveLength(1);
    expect(res.body.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", kid: "test-key", alg: "EdDSA" });
    expect(res.body.keys[0]).not.toHaveProperty("d");
  });
});
