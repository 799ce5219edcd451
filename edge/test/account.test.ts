/**
 * The account API (issue 24): display name and video mail setting, password change (other
 * sessions signed out at once, this one kept), address change (confirmed by a link mailed to
 * the new address, the old one told), sessions and "sign out the others", and deletion (the
 * videos purged through the purge_video path, webhooks and sessions gone, the address free).
 * Happy, error and security cases per route, against the real database.
 */
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ACCESS_AUDIENCE, importSigningKey, signJwt } from "../../shared/auth/jwt.ts";
import {
  call,
  callJson,
  createVideo,
  db,
  type ErrorJson,
  markReady,
  type SessionJson,
  signUp,
} from "./helpers.ts";

interface UserJson {
  id: string;
  email: string;
  displayName: string;
  emailVerified: boolean;
  videoMail: boolean;
  autoCaptions: boolean;
}

interface MailJob {
  template: string;
  to: string;
  data: Record<string, string>;
}

async function me(token: string) {
  return callJson<UserJson & ErrorJson>("GET", "/api/v1/me", { token });
}

async function login(email: string, password: string) {
  return callJson<SessionJson & ErrorJson>("POST", "/api/v1/auth/login", { body: { email, password } });
}

async function mailsTo(to: string, template: string): Promise<MailJob[]> {
  const rows = await db<{ payload: MailJob }>(
    sql`select payload from jobs where type = 'send_email' and payload->>'to' = ${to}
        and payload->>'template' = ${template} order by id`,
  );
  return rows.map((row) => row.payload);
}

function tokenOf(link: string): string {
  return new URL(link).searchParams.get("token") ?? "";
}

describe("PATCH /api/v1/me", () => {
  it("changes the display name and the video mail setting", async () => {
    const user = await signUp();
    expect((await me(user.accessToken)).body.videoMail).toBe(false);
    const changed = await callJson<UserJson>("PATCH", "/api/v1/me", {
      token: user.accessToken,
      body: { displayName: "  Grace Hopper ", videoMail: true },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ displayName: "Grace Hopper", videoMail: true });
    const again = await callJson<UserJson>("PATCH", "/api/v1/me", {
      token: user.accessToken,
      body: { videoMail: false },
    });
    expect(again.body).toMatchObject({ displayName: "Grace Hopper", videoMail: false });
  });

  it("turns automatic captions off and on for the caller's videos only", async () => {
    const user = await signUp();
    const other = await signUp();
    expect((await me(user.accessToken)).body.autoCaptions).toBe(true);
    const off = await callJson<UserJson>("PATCH", "/api/v1/me", {
      token: user.accessToken,
      body: { autoCaptions: false },
    });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ autoCaptions: false, videoMail: false, displayName: "Test User" });
    expect((await me(user.accessToken)).body.autoCaptions).toBe(false);
    // What the farm reads when it queues a video's captions (users.auto_captions).
    const stored = async (id: string) =>
      (await db<{ auto_captions: boolean }>(sql`select auto_captions from users where id = ${id}`))[0]
        ?.auto_captions;
    expect(await stored(user.user.id)).toBe(false);
    expect(await stored(other.user.id)).toBe(true);
    expect((await me(other.accessToken)).body.autoCaptions).toBe(true);
    for (const body of [{ autoCaptions: "no" }, { autoCaptions: null }]) {
      const bad = await callJson<ErrorJson>("PATCH", "/api/v1/me", { token: user.accessToken, body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.body.error.code).toBe("validation_failed");
    }
    const anonymous = await callJson<ErrorJson>("PATCH", "/api/v1/me", { body: { autoCaptions: true } });
    expect(anonymous.status).toBe(401);
    const on = await callJson<UserJson>("PATCH", "/api/v1/me", {
      token: user.accessToken,
      body: { autoCaptions: true },
    });
    expect(on.body.autoCaptions).toBe(true);
    expect(await stored(user.user.id)).toBe(true);
  });

  it("refuses an empty change, a blank name and no token", async () => {
    const user = await signUp();
    for (const body of [{}, { displayName: "   " }, { displayName: "x".repeat(81) }, { role: "admin" }]) {
      const res = await callJson<ErrorJson>("PATCH", "/api/v1/me", { token: user.accessToken, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    const anonymous = await callJson<ErrorJson>("PATCH", "/api/v1/me", { body: { displayName: "X" } });
    expect(anonymous.status).toBe(401);
    expect((await me(user.accessToken)).body.displayName).toBe("Test User");
  });
});

describe("POST /api/v1/me/password", () => {
  it("needs the current password, keeps this session and signs out the others at once", async () => {
    const user = await signUp();
    const elsewhere = await login(user.user.email, user.password);
    expect(elsewhere.status).toBe(200);

    const wrong = await callJson<ErrorJson>("POST", "/api/v1/me/password", {
      token: user.accessToken,
      body: { currentPassword: "not my password", newPassword: "a brand new password" },
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe("password_incorrect");
    expect((await me(elsewhere.body.accessToken)).status).toBe(200);

    const weak = await callJson<ErrorJson>("POST", "/api/v1/me/password", {
      token: user.accessToken,
      body: { currentPassword: user.password, newPassword: "short" },
    });
    expect(weak.body.error.code).toBe("validation_failed");

    const changed = await call("POST", "/api/v1/me/password", {
      token: user.accessToken,
      body: { currentPassword: user.password, newPassword: "a brand new password" },
    });
    expect(changed.status).toBe(204);
    // This session goes on: its access token and its refresh token.
    expect((await me(user.accessToken)).status).toBe(200);
    const refreshed = await callJson<SessionJson>("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: user.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    // The other one is out, access token included, before it expires.
    const other = await me(elsewhere.body.accessToken);
    expect(other.status).toBe(401);
    expect(other.body.error.code).toBe("token_invalid");
    const otherRefresh = await callJson<ErrorJson>("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: elsewhere.body.refreshToken },
    });
    expect(otherRefresh.status).toBe(401);
    expect((await login(user.user.email, user.password)).status).toBe(401);
    expect((await login(user.user.email, "a brand new password")).status).toBe(200);
  });
});

describe("POST /api/v1/me/email", () => {
  it("mails a link to the new address, tells the old one, and changes only once it is opened", async () => {
    const user = await signUp();
    const newEmail = `new-${user.user.email}`;
    const asked = await call("POST", "/api/v1/me/email", {
      token: user.accessToken,
      body: { newEmail: newEmail.toUpperCase(), password: user.password },
    });
    expect(asked.status).toBe(202);
    const [confirm] = await mailsTo(newEmail, "change_email");
    expect(confirm?.data.link).toMatch(/^http:\/\/127\.0\.0\.1:8787\/verify-email\?token=/);
    const [notice] = await mailsTo(user.user.email, "email_change_notice");
    expect(notice?.data).toMatchObject({ newEmail, link: "http://127.0.0.1:8787/account" });
    expect((await me(user.accessToken)).body.email).toBe(user.user.email);

    const verified = await call("POST", "/api/v1/auth/verify-email", {
      body: { token: tokenOf(confirm?.data.link ?? "") },
    });
    expect(verified.status).toBe(204);
    expect((await me(user.accessToken)).body).toMatchObject({ email: newEmail, emailVerified: true });
    expect((await login(newEmail, user.password)).status).toBe(200);
    expect((await login(user.user.email, user.password)).status).toBe(401);
    // The sign-up link, mailed to the old address, verifies nothing any more.
    const [signupMail] = await mailsTo(user.user.email, "verify_email");
    const old = await callJson<ErrorJson>("POST", "/api/v1/auth/verify-email", {
      body: { token: tokenOf(signupMail?.data.link ?? "") },
    });
    expect(old.body.error.code).toBe("verification_token_invalid");
  });

  it("refuses a wrong password, the same address, a taken one, and no token", async () => {
    const user = await signUp();
    const other = await signUp();
    const cases: [unknown, number, string][] = [
      [{ newEmail: "fresh@example.com", password: "wrong password" }, 403, "password_incorrect"],
      [{ newEmail: user.user.email, password: user.password }, 409, "email_unchanged"],
      [{ newEmail: other.user.email, password: user.password }, 409, "email_taken"],
      [{ newEmail: "not an address", password: user.password }, 400, "validation_failed"],
    ];
    for (const [body, status, code] of cases) {
      const res = await callJson<ErrorJson>("POST", "/api/v1/me/email", { token: user.accessToken, body });
      expect(res.status, code).toBe(status);
      expect(res.body.error.code).toBe(code);
    }
    expect(await mailsTo(user.user.email, "email_change_notice")).toHaveLength(0);
    expect((await call("POST", "/api/v1/me/email", { body: cases[0]?.[0] })).status).toBe(401);
  });

  it("only the latest link works, and one whose address was taken meanwhile is 409", async () => {
    const user = await signUp();
    const [first, second] = [`a-${user.user.email}`, `b-${user.user.email}`];
    for (const newEmail of [first, second]) {
      const res = await call("POST", "/api/v1/me/email", {
        token: user.accessToken,
        body: { newEmail, password: user.password },
      });
      expect(res.status).toBe(202);
    }
    const [firstLink] = await mailsTo(first, "change_email");
    const stale = await callJson<ErrorJson>("POST", "/api/v1/auth/verify-email", {
      body: { token: tokenOf(firstLink?.data.link ?? "") },
    });
    expect(stale.body.error.code).toBe("verification_token_invalid");
    await signUp({ email: second });
    const [secondLink] = await mailsTo(second, "change_email");
    const taken = await callJson<ErrorJson>("POST", "/api/v1/auth/verify-email", {
      body: { token: tokenOf(secondLink?.data.link ?? "") },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe("email_taken");
    expect((await me(user.accessToken)).body.email).toBe(user.user.email);
  });
});

describe("sessions", () => {
  it("lists the signed-in sessions and signs out the others", async () => {
    const user = await signUp();
    const second = await login(user.user.email, user.password);
    const third = await login(user.user.email, user.password);
    await call("POST", "/api/v1/auth/logout", { body: { refreshToken: third.body.refreshToken } });
    const listed = await callJson<{ sessions: { id: string; current: boolean }[] }>(
      "GET",
      "/api/v1/me/sessions",
      { token: user.accessToken },
    );
    expect(listed.status).toBe(200);
    expect(listed.body.sessions).toHaveLength(2);
    expect(listed.body.sessions.filter((s) => s.current)).toHaveLength(1);
    // A signed-out session's access token is refused at once.
    expect((await me(third.body.accessToken)).status).toBe(401);

    const out = await callJson<{ signedOut: number }>("POST", "/api/v1/me/sessions/sign-out-others", {
      token: user.accessToken,
    });
    expect(out.body).toEqual({ signedOut: 1 });
    expect((await me(second.body.accessToken)).status).toBe(401);
    expect((await me(user.accessToken)).status).toBe(200);
    const after = await callJson<{ sessions: { current: boolean }[] }>("GET", "/api/v1/me/sessions", {
      token: user.accessToken,
    });
    expect(after.body.sessions).toEqual([expect.objectContaining({ current: true })]);
    expect((await call("GET", "/api/v1/me/sessions")).status).toBe(401);
  });

  it("another user's sessions are not listed", async () => {
    const user = await signUp();
    const other = await signUp();
    const listed = await callJson<{ sessions: { id: string }[] }>("GET", "/api/v1/me/sessions", {
      token: other.accessToken,
    });
    const mine = await db<{ family_id: string }>(
      sql`select family_id from refresh_tokens where user_id = ${user.user.id}`,
    );
    expect(listed.body.sessions.map((s) => s.id)).not.toContain(mine[0]?.family_id);
  });
});

describe("DELETE /api/v1/me", () => {
  it("deletes the account: videos purged, webhooks and sessions gone, the address free again", async () => {
    const user = await signUp();
    const ready = await createVideo(user.accessToken, { visibility: "public" });
    await markReady(ready.video.id);
    const awaiting = await createVideo(user.accessToken);
    const hook = await call("POST", "/api/v1/webhooks", {
      token: user.accessToken,
      body: { url: "https://hooks.example.com/gone", events: ["video.ready"] },
    });
    expect(hook.status).toBe(201);
    const bystander = await signUp();
    const theirs = await createVideo(bystander.accessToken);

    const deleted = await call("DELETE", "/api/v1/me", {
      token: user.accessToken,
      body: { password: user.password },
    });
    expect(deleted.status).toBe(204);

    const videos = await db<{ id: string; deleted: boolean }>(
      sql`select id, deleted_at is not null as deleted from videos where owner_id = ${user.user.id}`,
    );
    expect(videos).toHaveLength(2);
    expect(videos.every((v) => v.deleted)).toBe(true);
    const purges = await db<{ video_id: string }>(
      sql`select video_id from jobs where type = 'purge_video' and state = 'queued'
          and video_id in (${ready.video.id}, ${awaiting.video.id})`,
    );
    expect(purges.map((p) => p.video_id).sort()).toEqual([ready.video.id, awaiting.video.id].sort());
    const left = await db<{ hooks: number; tokens: number; links: number }>(sql`
      select (select count(*) from webhook_endpoints where user_id = ${user.user.id})::int as hooks,
             (select count(*) from refresh_tokens where user_id = ${user.user.id})::int as tokens,
             (select count(*) from email_tokens where user_id = ${user.user.id})::int as links`);
    expect(left[0]).toEqual({ hooks: 0, tokens: 0, links: 0 });
    const [tombstone] = await db<{ email: string; display_name: string; deleted: boolean }>(
      sql`select email, display_name, deleted_at is not null as deleted from users where id = ${user.user.id}`,
    );
    expect(tombstone).toEqual({ email: `deleted:${user.user.id}`, display_name: "", deleted: true });
    // The bystander's video is untouched.
    const [kept] = await db<{ deleted: boolean }>(
      sql`select deleted_at is not null as deleted from videos where id = ${theirs.video.id}`,
    );
    expect(kept?.deleted).toBe(false);

    // Every token of the account stops working at once; the address signs up again.
    const stale = await me(user.accessToken);
    expect(stale.status).toBe(401);
    expect(stale.body.error.code).toBe("token_invalid");
    expect((await login(user.user.email, user.password)).status).toBe(401);
    const again = await signUp({ email: user.user.email });
    expect(again.user.id).not.toBe(user.user.id);
    expect((await me(again.accessToken)).body.email).toBe(user.user.email);
  });

  it("refuses a wrong or missing password, nothing deleted", async () => {
    const user = await signUp();
    const video = await createVideo(user.accessToken);
    const wrong = await callJson<ErrorJson>("DELETE", "/api/v1/me", {
      token: user.accessToken,
      body: { password: "not my password" },
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe("password_incorrect");
    const missing = await callJson<ErrorJson>("DELETE", "/api/v1/me", { token: user.accessToken });
    expect(missing.status).toBe(400);
    const text = await callJson<ErrorJson>("DELETE", "/api/v1/me", {
      token: user.accessToken,
      rawBody: "password=x",
      headers: { "content-type": "text/plain" },
    });
    expect(text.status).toBe(415);
    expect((await me(user.accessToken)).status).toBe(200);
    const [row] = await db<{ deleted: boolean }>(
      sql`select deleted_at is not null as deleted from videos where id = ${video.video.id}`,
    );
    expect(row?.deleted).toBe(false);
  });

  it("security: another user's token cannot delete the account, nor can a signed-out session", async () => {
    const victim = await signUp();
    const attacker = await signUp();
    // The attacker's token with the victim's password deletes nothing: the token decides whose account.
    const cross = await callJson<ErrorJson>("DELETE", "/api/v1/me", {
      token: attacker.accessToken,
      body: { password: victim.password.replace("long", "LONG") },
    });
    expect(cross.status).toBe(403);
    expect((await me(victim.accessToken)).status).toBe(200);
    expect((await me(attacker.accessToken)).status).toBe(200);

    // A session signed out (logout revokes its refresh token family) cannot, even with the password.
    const session = await login(victim.user.email, victim.password);
    await call("POST", "/api/v1/auth/logout", { body: { refreshToken: session.body.refreshToken } });
    const revoked = await callJson<ErrorJson>("DELETE", "/api/v1/me", {
      token: session.body.accessToken,
      body: { password: victim.password },
    });
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.code).toBe("token_invalid");
    const anonymous = await call("DELETE", "/api/v1/me", { body: { password: victim.password } });
    expect(anonymous.status).toBe(401);
    expect((await me(victim.accessToken)).status).toBe(200);
  });

  it("wrong passwords count against the account's sign-in backoff", async () => {
    const user = await signUp();
    let last: { status: number; body: ErrorJson } | undefined;
    for (let i = 0; i < 8; i++) {
      last = await callJson<ErrorJson>("DELETE", "/api/v1/me", {
        token: user.accessToken,
        body: { password: `guess ${i}` },
      });
      if (last.status === 429) break;
    }
    expect(last?.status).toBe(429);
    expect(last?.body.error.code).toBe("rate_limited");
    // Even the right password waits its turn now.
    const right = await call("DELETE", "/api/v1/me", {
      token: user.accessToken,
      body: { password: user.password },
    });
    expect(right.status).toBe(429);
  });
});

describe("access tokens end with their session", () => {
  it("a password reset ends every session's access token at once, not in 15 minutes", async () => {
    const user = await signUp();
    expect(
      (await call("POST", "/api/v1/auth/password-reset", { body: { email: user.user.email } })).status,
    ).toBe(202);
    const [mail] = await mailsTo(user.user.email, "password_reset");
    const reset = await call("POST", "/api/v1/auth/password-reset/confirm", {
      body: { token: tokenOf(mail?.data.link ?? ""), password: "a brand new password" },
    });
    expect(reset.status).toBe(204);
    const stale = await me(user.accessToken);
    expect(stale.status).toBe(401);
    expect(stale.body.error.code).toBe("token_invalid");
  });

  it("a token without a session id (signed before sessions were named) works only while the account exists", async () => {
    const user = await signUp();
    const key = await importSigningKey(env.JWT_PRIVATE_JWK);
    const { token } = await signJwt(key, ACCESS_AUDIENCE, user.user.id, { role: "viewer" }, 900);
    expect((await me(token)).status).toBe(200);
    // Account changes need the session: refresh first.
    const out = await callJson<ErrorJson>("POST", "/api/v1/me/sessions/sign-out-others", { token });
    expect(out.status).toBe(401);
    expect(out.body.error.code).toBe("token_invalid");
    expect(
      (await call("DELETE", "/api/v1/me", { token: user.accessToken, body: { password: user.password } }))
        .status,
    ).toBe(204);
    expect((await me(token)).status).toBe(401);
  });

  it("a token naming a session of another account is refused", async () => {
    const user = await signUp();
    const other = await signUp();
    const [theirs] = await db<{ family_id: string }>(
      sql`select family_id from refresh_tokens where user_id = ${other.user.id}`,
    );
    const key = await importSigningKey(env.JWT_PRIVATE_JWK);
    const { token } = await signJwt(
      key,
      ACCESS_AUDIENCE,
      user.user.id,
      { role: "viewer", sid: theirs?.family_id },
      900,
    );
    expect((await me(token)).status).toBe(401);
  });
});
