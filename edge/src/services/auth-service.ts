/**
 * Accounts and sessions: sign-up, login, refresh-token rotation with reuse detection, logout.
 * Testable without HTTP: it takes a database, the config and the key ring.
 */

import type { z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { LoginBody, SignupBody } from "../../../shared/api/auth.ts";
import { ACCESS_AUDIENCE, signJwt } from "../../../shared/auth/jwt.ts";
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import { newEmailToken } from "../auth/email-tokens.ts";
import type { KeyRing } from "../auth/keys.ts";
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from "../auth/passwords.ts";
import { hashRefreshToken, newRefreshToken, successorRefreshToken } from "../auth/refresh-tokens.ts";
import type { Database } from "../db/request-db.ts";
import { tokenAndMailCtes } from "./account-email-service.ts";
import { effectiveRole } from "./admin-role.ts";
import { LoginBackoff, loginAccountKey } from "./login-backoff.ts";

export type UserRow = {
  id: string;
  email: string;
  display_name: string;
  role: "viewer" | "admin";
  email_verified_at: string | Date | null;
  created_at: string | Date;
  video_mail?: boolean;
  auto_captions?: boolean;
  password_hash?: string;
};

/** A user row with the successor refresh token's row times and family (the session). */
type IssuedRow = UserRow & {
  issued_at: string | Date;
  refresh_expires_at: string | Date;
  family_id: string;
};

/** How long after a rotation the same refresh token still gets the same new pair. */
export const REUSE_GRACE_S = 10;

export interface PublicUser {
  id: string;
  email: string;
  displayName: string;
  role: "viewer" | "admin";
  emailVerified: boolean;
  emailVerificationRequired: boolean;
  videoMail: boolean;
  autoCaptions: boolean;
  createdAt: string;
}

export interface Session {
  user: PublicUser;
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
}

/** `requireVerified`: SIGNUP_REQUIRES_VERIFIED_EMAIL (admins are never held back). */
export function toPublicUser(row: UserRow, requireVerified = false): PublicUser {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    emailVerified: row.email_verified_at != null,
    emailVerificationRequired: requireVerified && row.email_verified_at == null && row.role !== "admin",
    videoMail: row.video_mail === true,
    autoCaptions: row.auto_captions !== false,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export class AuthService {
  constructor(
    private readonly db: Database,
    private readonly config: EdgeConfig,
    private readonly keys: KeyRing,
  ) {}

  async signup(input: z.output<typeof SignupBody>): Promise<Session> {
    const passwordHash = await hashPassword(input.password);
    const refresh = await this.newRefresh();
    const family = crypto.randomUUID();
    const verification = await newEmailToken("verify_email", this.config.PUBLIC_BASE_URL);
    // One round trip: the user, the first refresh token of a new family, and the verification
    // link with its mail (a send_email job: a mail provider that is down cannot fail this).
    const result = await this.db.execute<UserRow>(sql`
      with new_user as (
        insert into users (email, password_hash, display_name)
        values (${input.email}, ${passwordHash}, ${input.displayName})
        on conflict (email) do nothing
        returning id, email, display_name, role, email_verified_at, created_at
      ), token as (
        insert into refresh_tokens (user_id, family_id, token_hash, expires_at)
        select id, ${family}::uuid, ${refresh.hash}, ${refresh.expiresAt.toISOString()}::timestamptz from new_user
      ), ${tokenAndMailCtes("new_user", "verify_email", verification, { to: input.email, displayName: input.displayName })}
      select * from new_user`);
    const row = result.rows[0];
    if (!row) throw new ApiError("email_taken", "an account with this email already exists");
    return this.session(row, refresh, family);
  }

  /**
   * Checks the password only if the account's backoff admits the attempt (login-backoff.ts):
   * failures count per account whatever the address, a right password clears them.
   */
  async login(input: z.output<typeof LoginBody>): Promise<Session> {
    const backoff = new LoginBackoff(this.db, this.config);
    await backoff.admit(input.email);
    try {
      return await this.checkedLogin(input);
    } catch (err) {
      if (err instanceof ApiError && err.code === "invalid_credentials") await backoff.failed(input.email);
      throw err;
    }
  }

  private async checkedLogin(input: z.output<typeof LoginBody>): Promise<Session> {
    const result = await this.db.execute<UserRow>(sql`
      select id, email, display_name, role, email_verified_at, created_at, video_mail, auto_captions, password_hash
      from users where email = ${input.email} and deleted_at is null`);
    const row = result.rows[0];
    const ok = row
      ? await verifyPassword(input.password, row.password_hash ?? "")
      : await verifyAgainstDummy(input.password);
    if (!row || !ok) throw new ApiError("invalid_credentials", "email or password is wrong");
    const refresh = await this.newRefresh();
    const family = crypto.randomUUID();
    // A hash made with weaker parameters than today's is upgraded now that we know the password.
    const upgraded = needsRehash(row.password_hash ?? "") ? await hashPassword(input.password) : null;
    // The same statement clears the account's failed sign-ins (login-backoff.ts).
    await this.db.execute(sql`
      with rehash as (
        update users set password_hash = ${upgraded} where id = ${row.id} and ${upgraded}::text is not null
      ), backoff as (
        delete from login_throttles where account_key = ${await loginAccountKey(input.email)}
      )
      insert into refresh_tokens (user_id, family_id, token_hash, expires_at)
      values (${row.id}, ${family}::uuid, ${refresh.hash}, ${refresh.expiresAt.toISOString()}::timestamptz)`);
    return this.session(row, refresh, family);
  }

  /**
   * Rotation: the presented token is marked used and its successor is issued in the same
   * family, atomically. A token that was already used means it leaked: the whole family is
   * revoked, successors included — unless it was used within the last REUSE_GRACE_S (two
   * tabs refreshing at once), when the caller gets the same pair the first refresh got.
   */
  async refresh(refreshToken: string): Promise<Session> {
    const presentedHash = await hashRefreshToken(refreshToken);
    const successor = await successorRefreshToken(refreshToken, this.keys.refreshSuccessor);
    const successorHash = await hashRefreshToken(successor);
    const expiresAt = new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_S * 1000);
    const rotated = await this.db.execute<IssuedRow>(sql`
      with used as (
        update refresh_tokens set used_at = now()
        where token_hash = ${presentedHash} and used_at is null and revoked_at is null and expires_at > now()
        returning user_id, family_id
      ), successor as (
        insert into refresh_tokens (user_id, family_id, token_hash, expires_at)
        select user_id, family_id, ${successorHash}, ${expiresAt.toISOString()}::timestamptz from used
        returning user_id, family_id, created_at, expires_at
      )
      select u.id, u.email, u.display_name, u.role, u.email_verified_at, u.created_at, u.video_mail, u.auto_captions,
             s.created_at as issued_at, s.expires_at as refresh_expires_at, s.family_id
      from users u join successor s on s.user_id = u.id`);
    const row = rotated.rows[0];
    if (row) return this.issued(row, successor);

    // A concurrent refresh of the same token waited on its row lock and lands here too.
    const repeated = await this.db.execute<IssuedRow>(sql`
      select u.id, u.email, u.display_name, u.role, u.email_verified_at, u.created_at, u.video_mail, u.auto_captions,
             s.created_at as issued_at, s.expires_at as refresh_expires_at, s.family_id
      from refresh_tokens p
      join refresh_tokens s on s.token_hash = ${successorHash} and s.family_id = p.family_id
      join users u on u.id = s.user_id
      where p.token_hash = ${presentedHash} and p.revoked_at is null
        and p.used_at > now() - make_interval(secs => ${REUSE_GRACE_S})
        and s.used_at is null and s.revoked_at is null and s.expires_at > now()`);
    const again = repeated.rows[0];
    if (again) return this.issued(again, successor);

    // Not rotated: tell reuse (revoke the family) from plain invalid/expired/revoked.
    const reused = await this.db.execute<{ family_id: string }>(sql`
      with presented as (
        select family_id from refresh_tokens where token_hash = ${presentedHash} and used_at is not null
      ), revoke as (
        update refresh_tokens set revoked_at = coalesce(revoked_at, now())
        where family_id in (select family_id from presented)
      )
      select family_id from presented`);
    if (reused.rows.length > 0) {
      throw new ApiError(
        "refresh_token_reused",
        "refresh token was already used; the session has been revoked",
      );
    }
    throw new ApiError("token_invalid", "refresh token is not valid");
  }

  /** Revokes the family of the presented token (idempotent for a known token). */
  async logout(refreshToken: string): Promise<void> {
    const presentedHash = await hashRefreshToken(refreshToken);
    const result = await this.db.execute<{ family_id: string }>(sql`
      with presented as (select family_id from refresh_tokens where token_hash = ${presentedHash}),
      revoke as (
        update refresh_tokens set revoked_at = coalesce(revoked_at, now())
        where family_id in (select family_id from presented)
      )
      select family_id from presented`);
    if (result.rows.length === 0) throw new ApiError("token_invalid", "refresh token is not valid");
  }

  async getUser(userId: string): Promise<PublicUser> {
    const result = await this.db.execute<UserRow>(sql`
      select id, email, display_name, role, email_verified_at, created_at, video_mail, auto_captions
      from users where id = ${userId} and deleted_at is null`);
    const row = result.rows[0];
    if (!row) throw new ApiError("unauthorized", "the account no longer exists");
    return toPublicUser(
      { ...row, role: effectiveRole(row, this.config) },
      this.config.SIGNUP_REQUIRES_VERIFIED_EMAIL,
    );
  }

  private async newRefresh() {
    const token = newRefreshToken();
    return {
      token,
      hash: await hashRefreshToken(token),
      expiresAt: new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_S * 1000),
    };
  }

  /**
   * The pair for a rotated refresh token. The access token's time is the successor row's,
   * so a repeated refresh signs the very same access token (Ed25519 is deterministic).
   */
  private issued(row: IssuedRow, successor: string): Promise<Session> {
    const issuedAt = Math.floor(new Date(row.issued_at).getTime() / 1000);
    const refresh = { token: successor, expiresAt: new Date(row.refresh_expires_at) };
    return this.session(row, refresh, row.family_id, issuedAt);
  }

  private async session(
    row: UserRow,
    refresh: { token: string; expiresAt: Date },
    family: string,
    issuedAt?: number,
  ): Promise<Session> {
    const role = effectiveRole(row, this.config); // ADMIN_EMAILS act as admins
    const access = await signJwt(
      this.keys.signing,
      ACCESS_AUDIENCE,
      row.id,
      // `sid` names the session (the refresh token family): authenticate refuses the access
      // token once that session is signed out (http/authenticate.ts).
      { role, sid: family },
      this.config.ACCESS_TOKEN_TTL_S,
      issuedAt,
    );
    return {
      user: toPublicUser({ ...row, role }, this.config.SIGNUP_REQUIRES_VERIFIED_EMAIL),
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt.toISOString(),
      refreshToken: refresh.token,
      refreshTokenExpiresAt: refresh.expiresAt.toISOString(),
    };
  }
}
