/**
 * What accounts do through links mailed to them: verify the address, reset a forgotten
 * password. Every mail is a `send_email` job queued in the same statement as the token it
 * carries, so either both commit or neither does; a mail provider that is down only delays
 * the job (the farm retries it), never the request. Tokens: edge/src/auth/email-tokens.ts.
 *
 * The reset request never tells whether an address has an account: it answers the same and
 * does the same work (a token made and hashed, one statement) for any address.
 */
import { type SQL, sql } from "drizzle-orm";
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import { enqueueStatement } from "../../../shared/jobs/enqueue.ts";
import {
  type EmailToken,
  type EmailTokenPurpose,
  hashEmailToken,
  newEmailToken,
} from "../auth/email-tokens.ts";
import { hashPassword } from "../auth/passwords.ts";
import type { Database } from "../db/request-db.ts";
import { loginAccountKey } from "./login-backoff.ts";

/**
 * The CTEs that add a token for the user in `userCte` and queue its mail (when that user
 * exists); `newEmail` is the address a change_email token confirms.
 */
export function tokenAndMailCtes(
  userCte: string,
  purpose: EmailTokenPurpose,
  token: EmailToken,
  mail: { to: string; displayName?: string },
  newEmail: string | null = null,
): SQL {
  const user = sql.raw(userCte);
  const job = enqueueStatement(
    {
      type: "send_email",
      videoId: null,
      payload: {
        template: purpose,
        to: mail.to,
        data: { link: token.link, ...(mail.displayName ? { displayName: mail.displayName } : {}) },
      },
    },
    { onlyIf: sql`exists (select 1 from ${user})` },
  );
  return sql`email_token as (
      insert into email_tokens (user_id, purpose, token_hash, expires_at, new_email)
      select id, ${purpose}, ${token.hash}, ${token.expiresAt.toISOString()}::timestamptz, ${newEmail}::text
      from ${user}
    ), email_job as (${job})`;
}

interface Consumed {
  ok: boolean;
  expired: boolean;
}

export class AccountEmailService {
  constructor(
    private readonly db: Database,
    private readonly config: EdgeConfig,
  ) {}

  /**
   * Marks the address verified; the token then works no more. A change_email token (mailed to
   * a new address from the account page) opens the same page: it makes that address the
   * account's, verified, and ends every other link mailed before (they went to the old one).
   */
  async verify(token: string): Promise<void> {
    const hash = await hashEmailToken(token);
    let result: Consumed;
    try {
      result = await this.consume(
        ["verify_email", "change_email"],
        hash,
        sql`update users u set email = coalesce(used.new_email, u.email),
              email_verified_at = case when used.new_email is null
                                       then coalesce(u.email_verified_at, now()) else now() end
            from used where u.id = used.user_id and u.deleted_at is null returning u.id
          ), other_links as (
            update email_tokens e set used_at = now()
            from used where used.new_email is not null and e.user_id = used.user_id
              and e.used_at is null and e.token_hash <> ${hash}
            returning e.id`,
      );
    } catch (err) {
      // The new address got an account of its own since the link was mailed.
      for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
        if ((e as { code?: unknown }).code === "23505") {
          throw new ApiError("email_taken", "an account with this email already exists");
        }
      }
      throw err;
    }
    if (result.ok) return;
    if (result.expired) {
      throw new ApiError(
        "verification_token_expired",
        "this verification link has expired; ask for a new one",
      );
    }
    throw new ApiError(
      "verification_token_invalid",
      "this verification link is not valid or was already used",
    );
  }

  /** A new verification mail for the signed-in account (rate limited by the route). */
  async resendVerification(userId: string): Promise<void> {
    const { rows } = await this.db.execute<{ email: string; display_name: string; verified: boolean }>(
      sql`select email, display_name, email_verified_at is not null as verified from users where id = ${userId}`,
    );
    const user = rows[0];
    if (!user) throw new ApiError("unauthorized", "the account no longer exists");
    if (user.verified) throw new ApiError("email_already_verified", "this address is already verified");
    const token = await newEmailToken("verify_email", this.config.PUBLIC_BASE_URL);
    await this.db.execute(sql`
      with target as (select id from users where id = ${userId} and email_verified_at is null),
      ${tokenAndMailCtes("target", "verify_email", token, { to: user.email, displayName: user.display_name })}
      select 1`);
  }

  /**
   * Queues a reset mail if `email` has an account. The same statement runs either way (the
   * token is made, hashed and offered to the insert), so time tells nothing either.
   */
  async requestPasswordReset(email: string): Promise<void> {
    const token = await newEmailToken("password_reset", this.config.PUBLIC_BASE_URL);
    await this.db.execute(sql`
      with target as (select id from users where email = ${email}),
      ${tokenAndMailCtes("target", "password_reset", token, { to: email })}
      select 1`);
  }

  /**
   * Sets the new password and revokes every session of the account (all refresh tokens, and so
   * at once the access tokens that name them: `authenticate` checks the session). Opening the mailed link also
   * proves the address, so it counts as verified.
   */
  async confirmPasswordReset(token: string, password: string): Promise<void> {
    const hash = await hashEmailToken(token);
    const passwordHash = await hashPassword(password); // before the statement: always the same work
    const result = await this.consume(
      ["password_reset"],
      hash,
      sql`update users u set password_hash = ${passwordHash},
            email_verified_at = coalesce(u.email_verified_at, now())
          from used where u.id = used.user_id and u.deleted_at is null returning u.id, u.email
        ), revoked as (
          update refresh_tokens r set revoked_at = coalesce(r.revoked_at, now())
          from used where r.user_id = used.user_id and r.revoked_at is null
        ), other_links as (
          update email_tokens e set used_at = now()
          from used where e.user_id = used.user_id and e.purpose = 'password_reset'
            and e.used_at is null and e.token_hash <> ${hash}
          returning e.id`,
    );
    if (result.ok) {
      // A forgotten password often follows failed sign-ins: the new one starts with a clean slate.
      if (result.email) {
        await this.db.execute(
          sql`delete from login_throttles where account_key = ${await loginAccountKey(result.email)}`,
        );
      }
      return;
    }
    if (result.expired)
      throw new ApiError("reset_token_expired", "this reset link has expired; ask for a new one");
    throw new ApiError("reset_token_invalid", "this reset link is not valid or was already used");
  }

  /**
   * Uses the token once (only if unused and unexpired) and runs `effect` (a CTE body over
   * `used(user_id)`) in the same statement; otherwise says why not.
   */
  private async consume(
    purposes: EmailTokenPurpose[],
    hash: string,
    effect: SQL,
  ): Promise<Consumed & { email?: string }> {
    const { rows } = await this.db.execute<{ ok: boolean; expired: boolean; email: string | null }>(sql`
      with presented as (
        select id, expires_at from email_tokens
        where token_hash = ${hash} and purpose in (${sql.join(
          purposes.map((p) => sql`${p}`),
          sql`, `,
        )})
      ), used as (
        update email_tokens e set used_at = now()
        from presented p
        where e.id = p.id and e.used_at is null and e.expires_at > now()
        returning e.user_id, e.new_email
      ), effect as (${effect})
      select exists (select 1 from used) as ok,
             coalesce((select expires_at <= now() from presented), false) as expired,
             (select u.email from users u join used on u.id = used.user_id) as email`);
    const row = rows[0];
    return { ok: row?.ok === true, expired: row?.expired === true, email: row?.email ?? undefined };
  }
}
