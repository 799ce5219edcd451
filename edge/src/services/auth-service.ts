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
import type { KeyRing } from "../auth/keys.ts";
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from "../auth/passwords.ts";
import { hashRefreshToken, newRefreshToken } from "../auth/refresh-tokens.ts";
import type { Database } from "../db/request-db.ts";

export type UserRow = {
  id: string;
  email: string;
  display_name: string;
  role: "viewer" | "admin";
  created_at: string | Date;
  password_hash?: string;
};

export interface PublicUser {
  id: string;
  email: string;
  displayName: string;
  role: "viewer" | "admin";
  createdAt: string;
}

export interface Session {
  user: PublicUser;
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
}

export function toPublicUser(row: UserRow): PublicUser {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
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
    // One round trip: the user and the first refresh token of a new family.
    const result = await this.db.execute<UserRow>(sql`
      with new_user as (
        insert into users (email, password_hash, display_name)
        values (${input.email}, ${passwordHash}, ${input.displayName})
        on conflict (email) do nothing
        returning id, email, display_name, role, created_at
      ), token as (
        insert into refresh_tokens (user_id, family_id, token_hash, expires_at)
        select id, gen_random_uuid(), ${refresh.hash}, ${refresh.expiresAt.toISOString()}::timestamptz from new_user
      )
      select * from new_user`);
    const row = result.rows[0];
    if (!row) throw new ApiError("email_taken", "an account with this email already exists");
    return this.session(row, refresh);
  }

  async login(input: z.output<typeof LoginBody>): Promise<Session> {
    const result = await this.db.execute<UserRow>(sql`
      select id, email, display_name, role, created_at, password_hash from users where email = ${input.email}`);
    const row = result.rows[0];
    const ok = row
      ? await verifyPassword(input.password, row.password_hash ?? "")
      : await verifyAgainstDummy(input.password);
    if (!row || !ok) throw new ApiError("invalid_credentials", "email or password is wrong");
    const refresh = await this.newRefresh();
    // A hash made with weaker parameters than today's is upgraded now that we know the password.
    const upgraded = needsRehash(row.password_hash ?? "") ? await hashPassword(input.password) : null;
    await this.db.execute(sql`
      with rehash as (
        update users set password_hash = ${upgraded} where id = ${row.id} and ${upgraded}::text is not null
      )
      insert into refresh_tokens (user_id, family_id, token_hash, expires_at)
      values (${row.id}, gen_random_uuid(), ${refresh.hash}, ${refresh.expiresAt.toISOString()}::timestamptz)`);
    return this.session(row, refresh);
  }

  /**
   * Rotation: the presented token is marked used and a successor is issued in the same
   * family, atomically. A token that was already used means it leaked (or a client raced
   * itself): the whole family is revoked, successors included.
   */
  async refresh(refreshToken: string): Promise<Session> {
    const presentedHash = await hashRefreshToken(refreshToken);
    const next = await this.newRefresh();
    const rotated = await this.db.execute<UserRow>(sql`
      with used as (
        update refresh_tokens set used_at = now()
        where token_hash = ${presentedHash} and used_at is null and revoked_at is null and expires_at > now()
        returning user_id, family_id
      ), successor as (
        insert into refresh_tokens (user_id, family_id, token_hash, expires_at)
        select user_id, family_id, ${next.hash}, ${next.expiresAt.toISOString()}::timestamptz from used
        returning user_id
      )
      select u.id, u.email, u.display_name, u.role, u.created_at from users u join successor s on s.user_id = u.id`);
    const row = rotated.rows[0];
    if (row) return this.session(row, next);

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
      select id, email, display_name, role, created_at from users where id = ${userId}`);
    const row = result.rows[0];
    if (!row) throw new ApiError("unauthorized", "the account no longer exists");
    return toPublicUser(row);
  }

  private async newRefresh() {
    const token = newRefreshToken();
    return {
      token,
      hash: await hashRefreshToken(token),
      expiresAt: new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_S * 1000),
    };
  }

  private async session(row: UserRow, refresh: { token: string; expiresAt: Date }): Promise<Session> {
    const access = await signJwt(
      this.keys.signing,
      ACCESS_AUDIENCE,
      row.id,
      { role: row.role },
      this.config.ACCESS_TOKEN_TTL_S,
    );
    return {
      user: toPublicUser(row),
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt.toISOString(),
      refreshToken: refresh.token,
      refreshTokenExpiresAt: refresh.expiresAt.toISOString(),
    };
  }
}
