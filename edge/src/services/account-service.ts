/**
 * A signed-in user's own account: display name and mail settings, password, address,
 * sessions, and deletion (issue 24). Changes that could lock the owner out ask for the
 * current password, checked under the same per-account backoff as sign-ins (a stolen access
 * token cannot be used to guess it faster than a login could).
 *
 * Invariants: a password change keeps the session that made it and signs out every other;
 * a new address takes effect only once a link mailed to it is opened (the old address is
 * told at once); a deleted account keeps only a tombstone row (its videos are soft-deleted
 * and purged by the farm, like DELETE /api/v1/videos/:id), and its address is free again.
 * Every write is one statement or one batch (one transaction), with the jobs it queues.
 */
import { sql } from "drizzle-orm";
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import { enqueueEachStatement, enqueueStatement } from "../../../shared/jobs/enqueue.ts";
import { deleteOwnersVideos } from "../../../shared/videos/lifecycle.ts";
import { newEmailToken } from "../auth/email-tokens.ts";
import { hashPassword, verifyPassword } from "../auth/passwords.ts";
import type { Database } from "../db/request-db.ts";
import { tokenAndMailCtes } from "./account-email-service.ts";
import { LoginBackoff, loginAccountKey } from "./login-backoff.ts";
import type { Viewer } from "./video-access.ts";

export interface AccountSession {
  id: string;
  signedInAt: string;
  lastActiveAt: string;
  current: boolean;
}

type Owner = { email: string; display_name: string };

export class AccountService {
  constructor(
    private readonly db: Database,
    private readonly config: EdgeConfig,
  ) {}

  async update(
    viewer: Viewer,
    change: { displayName?: string; videoMail?: boolean; autoCaptions?: boolean },
  ): Promise<void> {
    const { rows } = await this.db.execute<{ id: string }>(sql`
      update users set display_name = coalesce(${change.displayName ?? null}::text, display_name),
                       video_mail = coalesce(${change.videoMail ?? null}::boolean, video_mail),
                       auto_captions = coalesce(${change.autoCaptions ?? null}::boolean, auto_captions)
      where id = ${viewer.id} and deleted_at is null returning id`);
    if (rows.length === 0) throw gone();
  }

  /**
   * Sets a new password and signs out every other session (their refresh tokens are revoked,
   * and authenticate refuses their access tokens); pending reset links stop working.
   */
  async changePassword(viewer: Viewer, currentPassword: string, newPassword: string): Promise<void> {
    const session = requireSession(viewer);
    await this.confirmPassword(viewer, currentPassword);
    const hash = await hashPassword(newPassword);
    await this.db.execute(sql`
      with changed as (
        update users set password_hash = ${hash} where id = ${viewer.id} and deleted_at is null returning id
      ), others as (
        update refresh_tokens set revoked_at = now()
        where user_id in (select id from changed) and family_id <> ${session}::uuid and revoked_at is null
      )
      update email_tokens set used_at = now()
      where user_id in (select id from changed) and purpose = 'password_reset' and used_at is null`);
  }

  /**
   * Mails a link to `newEmail` (the change happens when it is opened: AccountEmailService.verify)
   * and tells the current address at once, in one statement with the token.
   */
  async requestEmailChange(viewer: Viewer, newEmail: string, password: string): Promise<void> {
    const owner = await this.confirmPassword(viewer, password);
    if (owner.email === newEmail)
      throw new ApiError("email_unchanged", "this is already the account's address");
    const taken = await this.db.execute(sql`select 1 from users where email = ${newEmail}`);
    if (taken.rows.length > 0) throw new ApiError("email_taken", "an account with this email already exists");
    const token = await newEmailToken("change_email", this.config.PUBLIC_BASE_URL);
    const base = this.config.PUBLIC_BASE_URL.replace(/\/+$/, "");
    const notice = enqueueStatement({
      type: "send_email",
      videoId: null,
      payload: {
        template: "email_change_notice",
        to: owner.email,
        data: { link: `${base}/account`, displayName: owner.display_name, newEmail },
      },
    });
    // Earlier change links stop working: only the latest address asked for can be confirmed.
    await this.db.execute(sql`
      with target as (select id from users where id = ${viewer.id} and deleted_at is null),
      earlier as (
        update email_tokens set used_at = now()
        where user_id in (select id from target) and purpose = 'change_email' and used_at is null
      ),
      ${tokenAndMailCtes("target", "change_email", token, { to: newEmail, displayName: owner.display_name }, newEmail)},
      notice as (${notice})
      select 1`);
  }

  /** The account's signed-in sessions (refresh token families with a live token), newest first. */
  async sessions(viewer: Viewer): Promise<AccountSession[]> {
    const { rows } = await this.db.execute<{ id: string; signed_in_at: string; last_active_at: string }>(sql`
      select family_id as id, to_json(min(created_at)) #>> '{}' as signed_in_at,
             to_json(max(created_at)) #>> '{}' as last_active_at
      from refresh_tokens where user_id = ${viewer.id}
      group by family_id
      having bool_or(used_at is null and revoked_at is null and expires_at > now())
         and bool_and(revoked_at is null)
      order by max(created_at) desc`);
    return rows.map((row) => ({
      id: row.id,
      signedInAt: new Date(row.signed_in_at).toISOString(),
      lastActiveAt: new Date(row.last_active_at).toISOString(),
      current: row.id === viewer.sessionId,
    }));
  }

  /** Signs out every session but the caller's; returns how many were signed out. */
  async signOutOthers(viewer: Viewer): Promise<number> {
    const session = requireSession(viewer);
    const { rows } = await this.db.execute<{ n: number }>(sql`
      with revoked as (
        update refresh_tokens set revoked_at = now()
        where user_id = ${viewer.id} and family_id <> ${session}::uuid and revoked_at is null
        returning family_id
      )
      select count(distinct family_id)::int as n from revoked`);
    return rows[0]?.n ?? 0;
  }

  /**
   * Deletes the account, in one transaction: the row is locked (a video created meanwhile
   * waits, then is seen by the next statement), every live video is marked deleted and its
   * purge queued (media, tracks; Algolia records too), webhooks and every session and link
   * go, and the row becomes a tombstone without address, name or password.
   */
  async deleteAccount(viewer: Viewer, password: string): Promise<void> {
    const owner = await this.confirmPassword(viewer, password);
    const algolia = this.config.SEARCH_PROVIDER === "algolia";
    const [locked] = await this.db.batch([
      this.db.execute<{ id: string }>(
        sql`select id from users where id = ${viewer.id} and deleted_at is null for update`,
      ),
      this.db.execute(sql`
        with gone as (${deleteOwnersVideos(viewer.id)}),
        purge as (${enqueueEachStatement({ type: "purge_video", payload: {} }, "gone")}),
        reindex as (${algolia ? enqueueEachStatement({ type: "index_video", payload: {} }, "gone") : sql`select 1`})
        select count(*) from gone`),
      this.db.execute(sql`delete from webhook_endpoints where user_id = ${viewer.id}`),
      this.db.execute(sql`delete from refresh_tokens where user_id = ${viewer.id}`),
      this.db.execute(sql`delete from email_tokens where user_id = ${viewer.id}`),
      this.db.execute(
        sql`delete from login_throttles where account_key = ${await loginAccountKey(owner.email)}`,
      ),
      this.db.execute(sql`
        update users set email = 'deleted:' || id::text, display_name = '', password_hash = '!',
                         email_verified_at = null, video_mail = false, role = 'viewer', deleted_at = now()
        where id = ${viewer.id} and deleted_at is null`),
    ]);
    if (locked.rows.length === 0) throw gone();
  }

  /** The password check of an account change, under the sign-in backoff of the account. */
  private async confirmPassword(viewer: Viewer, password: string): Promise<Owner> {
    const { rows } = await this.db.execute<Owner & { password_hash: string }>(sql`
      select email, display_name, password_hash from users where id = ${viewer.id} and deleted_at is null`);
    const row = rows[0];
    if (!row) throw gone();
    const backoff = new LoginBackoff(this.db, this.config);
    await backoff.admit(row.email);
    if (!(await verifyPassword(password, row.password_hash))) {
      await backoff.failed(row.email);
      throw new ApiError("password_incorrect", "the current password is wrong");
    }
    return { email: row.email, display_name: row.display_name };
  }
}

/** Account changes need to know the session (access tokens name it since issue 24). */
function requireSession(viewer: Viewer): string {
  if (!viewer.sessionId)
    throw new ApiError("token_invalid", "this access token names no session; refresh it");
  return viewer.sessionId;
}

function gone(): ApiError {
  return new ApiError("unauthorized", "the account no longer exists");
}
