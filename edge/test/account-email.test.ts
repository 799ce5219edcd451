/**
 * Verified email and password reset (issue 24): the mail each action queues (a send_email
 * job in the action's own statement), the tokens (random, stored hashed, single use,
 * expiring), the SIGNUP_REQUIRES_VERIFIED_EMAIL gate, and what a stranger can learn (nothing:
 * the reset request answers 202 for any address).
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  call,
  callJson,
  db,
  type ErrorJson,
  freshRateLimitWindow,
  newIp,
  type SessionJson,
  signUp,
} from "./helpers.ts";

interface MailJob {
  template: string;
  to: string;
  data: { link: string; displayName?: string };
}

/** The send_email jobs queued for `to`, oldest first. */
async function mailsTo(to: string): Promise<MailJob[]> {
  const rows = await db<{ payload: MailJob; video_id: string | null }>(
    sql`select payload, video_id from jobs where type = 'send_email' and payload->>'to' = ${to} order by id`,
  );
  for (const row of rows) expect(row.video_id).toBeNull();
  return rows.map((row) => row.payload);
}

function tokenOf(link: string, page: string): string {
  const url = new URL(link);
  expect(url.origin + url.pathname).toBe(`http://127.0.0.1:8787${page}`);
  return url.searchParams.get("token") ?? "";
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function verificationToken(email: string): Promise<string> {
  const mails = (await mailsTo(email)).filter((mail) => mail.template === "verify_email");
  return tokenOf(mails.at(-1)?.data.link ?? "", "/verify-email");
}

async function resetToken(email: string): Promise<string> {
  const mails = (await mailsTo(email)).filter((mail) => mail.template === "password_reset");
  return tokenOf(mails.at(-1)?.data.link ?? "", "/reset-password");
}

async function me(token: string) {
  return (await callJson<{ emailVerified: boolean }>("GET", "/api/v1/me", { token })).body;
}

describe("verification", () => {
  it("sign-up queues one verification mail whose token is stored only as its hash", async () => {
    const user = await signUp({ displayName: "Ada <Lovelace>" });
    const mails = await mailsTo(user.user.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ template: "verify_email", data: { displayName: "Ada <Lovelace>" } });
    const token = await verificationToken(user.user.email);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await db<{ token_hash: string; purpose: string; ttl: number }>(
      sql`select token_hash, purpose, extract(epoch from expires_at - created_at)::int as ttl
          from email_tokens where user_id = ${user.user.id}`,
    );
    expect(rows).toEqual([{ token_hash: await sha256Hex(token), purpose: "verify_email", ttl: 86_400 }]);
    expect((await me(user.accessToken)).emailVerified).toBe(false);
    expect((user as unknown as SessionJson & { user: { emailVerified: boolean } }).user.emailVerified).toBe(
      false,
    );
  });

  it("a failed sign-up (address taken) queues no mail", async () => {
    const user = await signUp();
    const again = await callJson<ErrorJson>("POST", "/api/v1/auth/signup", {
      body: { email: user.user.email, password: "another long password", displayName: "X" },
    });
    expect(again.status).toBe(409);
    expect(await mailsTo(user.user.email)).toHaveLength(1);
  });

  it("verifies once; a used, forged or expired token is 400 with its code", async () => {
    const user = await signUp();
    const token = await verificationToken(user.user.email);
    const verified = await call("POST", "/api/v1/auth/verify-email", { body: { token } });
    expect(verified.status).toBe(204);
    expect((await me(user.accessToken)).emailVerified).toBe(true);

    const reused = await callJson<ErrorJson>("POST", "/api/v1/auth/verify-email", { body: { token } });
    expect(reused.status).toBe(400);
    expect(reused.body.error.code).toBe("verification_token_invalid");
    const forged = await callJson<ErrorJson>("POST", "/api/v1/auth/verify-email", {
      body: { token: `${token.slice(0, -2)}xx` },
    });
    expect(forged.body.error.code).toBe("verification_token_invalid");
    // The hash itself (what a database leak shows) is no token either.
    const hash = await callJson<ErrorJson>("POST", "/api/v1/auth/verify-email", {
      body: { token: await sha256Hex(token) },
    });
    expect(hash.body.error.code).toBe("verification_token_invalid");

    const late = await signUp();
    const lateToken = await verificationToken(late.user.email);
    await db(
      sql`update email_tokens set expires_at = now() - interval '1 second' where user_id = ${late.user.id}`,
    );
    const expired = await callJson<ErrorJson>("POST", "/api/v1/auth/verify-email", {
      body: { token: lateToken },
    });
    expect(expired.status).toBe(400);
    expect(expired.body.error.code).toBe("verification_token_expired");
    expect((await me(late.accessToken)).emailVerified).toBe(false);

    const empty = await callJson<ErrorJson>("POST", "/api/v1/auth/verify-email", { body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe("validation_failed");
  });

  it("a reset token does not verify, nor a verification token reset", async () => {
    const user = await signUp();
    expect(
      (await call("POST", "/api/v1/auth/password-reset", { body: { email: user.user.email } })).status,
    ).toBe(202);
    const reset = await callJson<ErrorJson>("POST", "/api/v1/auth/verify-email", {
      body: { token: await resetToken(user.user.email) },
    });
    expect(reset.body.error.code).toBe("verification_token_invalid");
    const confirm = await callJson<ErrorJson>("POST", "/api/v1/auth/password-reset/confirm", {
      body: { token: await verificationToken(user.user.email), password: "a brand new password" },
    });
    expect(confirm.body.error.code).toBe("reset_token_invalid");
  });

  it("sends again for the signed-in account only, rate limited, and not once verified", {
    timeout: 45_000,
  }, async () => {
    await freshRateLimitWindow();
    expect((await call("POST", "/api/v1/auth/verify-email/resend")).status).toBe(401);
    const user = await signUp();
    const first = await call("POST", "/api/v1/auth/verify-email/resend", { token: user.accessToken });
    expect(first.status).toBe(202);
    const mails = await mailsTo(user.user.email);
    expect(mails).toHaveLength(2);
    expect(mails[1]?.data.link).not.toBe(mails[0]?.data.link);
    // Both links work until one is used (the older one may be the one opened).
    expect(
      (
        await call("POST", "/api/v1/auth/verify-email", {
          body: { token: tokenOf(mails[0]!.data.link, "/verify-email") },
        })
      ).status,
    ).toBe(204);
    const done = await callJson<ErrorJson>("POST", "/api/v1/auth/verify-email/resend", {
      token: user.accessToken,
    });
    expect(done.status).toBe(409);
    expect(done.body.error.code).toBe("email_already_verified");

    const eager = await signUp();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        (await call("POST", "/api/v1/auth/verify-email/resend", { token: eager.accessToken })).status,
      );
    }
    expect(statuses.slice(0, 3)).toEqual([202, 202, 202]);
    expect(statuses.at(-1)).toBe(429);
    expect(await mailsTo(eager.user.email)).toHaveLength(4);
  });

  it("SIGNUP_REQUIRES_VERIFIED_EMAIL: an unverified account watches but may not create videos or webhooks", async () => {
    const bindings = { SIGNUP_REQUIRES_VERIFIED_EMAIL: "true" };
    const user = await signUp();
    const video = { title: "Mine", visibility: "public" };
    const refused = await callJson<ErrorJson>("POST", "/api/v1/videos", {
      token: user.accessToken,
      body: video,
      bindings,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("email_unverified");
    const hook = { url: "https://hooks.example.com/movio", events: ["video.ready"] };
    const hookRefused = await callJson<ErrorJson>("POST", "/api/v1/webhooks", {
      token: user.accessToken,
      body: hook,
      bindings,
    });
    expect(hookRefused.status).toBe(403);
    expect(hookRefused.body.error.code).toBe("email_unverified");
    // Watching and reading stay open.
    expect((await call("GET", "/api/v1/videos", { token: user.accessToken, bindings })).status).toBe(200);
    expect((await call("GET", "/api/v1/me", { token: user.accessToken, bindings })).status).toBe(200);
    // Off (the default), the same account may create.
    expect((await call("POST", "/api/v1/videos", { token: user.accessToken, body: video })).status).toBe(201);

    const token = await verificationToken(user.user.email);
    expect((await call("POST", "/api/v1/auth/verify-email", { body: { token } })).status).toBe(204);
    const created = await call("POST", "/api/v1/videos", { token: user.accessToken, body: video, bindings });
    expect(created.status).toBe(201);
    expect(
      (await call("POST", "/api/v1/webhooks", { token: user.accessToken, body: hook, bindings })).status,
    ).toBe(201);
  });
});

describe("password reset", () => {
  it("answers 202 for any address and mails only an existing account", async () => {
    const user = await signUp();
    const known = await call("POST", "/api/v1/auth/password-reset", {
      body: { email: user.user.email.toUpperCase() },
    });
    const stranger = `nobody-${Date.now()}@example.com`;
    const unknown = await call("POST", "/api/v1/auth/password-reset", { body: { email: stranger } });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(await known.text()).toBe(await unknown.text());
    expect((await mailsTo(user.user.email)).map((mail) => mail.template)).toEqual([
      "verify_email",
      "password_reset",
    ]);
    expect(await mailsTo(stranger)).toEqual([]);
    const rows = await db<{ ttl: number }>(
      sql`select extract(epoch from expires_at - created_at)::int as ttl from email_tokens
          where user_id = ${user.user.id} and purpose = 'password_reset'`,
    );
    expect(rows).toEqual([{ ttl: 3600 }]);
  });

  it("sets the password once, revokes every session, and verifies the address", async () => {
    const user = await signUp();
    const other = await callJson<SessionJson>("POST", "/api/v1/auth/login", {
      body: { email: user.user.email, password: user.password },
    });
    await call("POST", "/api/v1/auth/password-reset", { body: { email: user.user.email } });
    const token = await resetToken(user.user.email);
    const password = "a brand new password";
    const done = await call("POST", "/api/v1/auth/password-reset/confirm", { body: { token, password } });
    expect(done.status).toBe(204);

    for (const refreshToken of [user.refreshToken, other.body.refreshToken]) {
      expect((await call("POST", "/api/v1/auth/refresh", { body: { refreshToken } })).status).toBe(401);
    }
    const oldLogin = await call("POST", "/api/v1/auth/login", {
      body: { email: user.user.email, password: user.password },
    });
    expect(oldLogin.status).toBe(401);
    const login = await callJson<SessionJson>("POST", "/api/v1/auth/login", {
      body: { email: user.user.email, password },
    });
    expect(login.status).toBe(200);
    expect((await me(login.body.accessToken)).emailVerified).toBe(true);

    const reused = await callJson<ErrorJson>("POST", "/api/v1/auth/password-reset/confirm", {
      body: { token, password: "yet another password" },
    });
    expect(reused.status).toBe(400);
    expect(reused.body.error.code).toBe("reset_token_invalid");
  });

  it("refuses expired, forged and weak: 400 with codes, nothing changed", async () => {
    const user = await signUp();
    await call("POST", "/api/v1/auth/password-reset", { body: { email: user.user.email } });
    const token = await resetToken(user.user.email);
    const weak = await callJson<ErrorJson>("POST", "/api/v1/auth/password-reset/confirm", {
      body: { token, password: "short" },
    });
    expect(weak.status).toBe(400);
    expect(weak.body.error.code).toBe("validation_failed");
    const forged = await callJson<ErrorJson>("POST", "/api/v1/auth/password-reset/confirm", {
      body: { token: "A".repeat(43), password: "a brand new password" },
    });
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe("reset_token_invalid");
    await db(
      sql`update email_tokens set expires_at = now() - interval '1 second'
          where user_id = ${user.user.id} and purpose = 'password_reset'`,
    );
    const expired = await callJson<ErrorJson>("POST", "/api/v1/auth/password-reset/confirm", {
      body: { token, password: "a brand new password" },
    });
    expect(expired.status).toBe(400);
    expect(expired.body.error.code).toBe("reset_token_expired");
    // The old password still works.
    const login = await call("POST", "/api/v1/auth/login", {
      body: { email: user.user.email, password: user.password },
    });
    expect(login.status).toBe(200);
  });

  it("a newer link spends the older ones once used", async () => {
    const user = await signUp();
    await call("POST", "/api/v1/auth/password-reset", { body: { email: user.user.email } });
    const older = await resetToken(user.user.email);
    await call("POST", "/api/v1/auth/password-reset", { body: { email: user.user.email } });
    const newer = await resetToken(user.user.email);
    expect(newer).not.toBe(older);
    const body = (token: string) => ({ body: { token, password: "a brand new password" } });
    expect((await call("POST", "/api/v1/auth/password-reset/confirm", body(newer))).status).toBe(204);
    const stale = await callJson<ErrorJson>("POST", "/api/v1/auth/password-reset/confirm", body(older));
    expect(stale.body.error.code).toBe("reset_token_invalid");
  });

  it("is rate limited per address (whatever the client) and per client", { timeout: 45_000 }, async () => {
    await freshRateLimitWindow();
    const email = `limited-${Date.now()}@example.com`;
    const perAddress: number[] = [];
    for (let i = 0; i < 4; i++) {
      perAddress.push((await call("POST", "/api/v1/auth/password-reset", { body: { email } })).status);
    }
    expect(perAddress).toEqual([202, 202, 202, 429]);

    const ip = newIp();
    const perClient: number[] = [];
    for (let i = 0; i < 11; i++) {
      const body = { email: `client-${Date.now()}-${i}@example.com` };
      perClient.push((await call("POST", "/api/v1/auth/password-reset", { body, ip })).status);
    }
    expect(perClient.slice(0, 10).every((status) => status === 202)).toBe(true);
    expect(perClient[10]).toBe(429);
  });
});
