/**
 * The per-user processing quota: minutes of source accepted for processing in any rolling
 * 24 hours (PROCESSING_MINUTES_PER_DAY). The edge refuses an upload ticket once a user has
 * used it all; here, after the probe (the first moment the duration is known, and where it
 * cannot be bypassed), each transcode is charged to the `processing_usage` ledger — or, when
 * it would go over, refused with `quota_exceeded` before any encoding. Charges of one user
 * are serialised (an advisory lock on the user), a retried job is charged once (its id is
 * unique in the ledger), and an admin's re-processing is not charged to the owner.
 */
import type pg from "pg";
import { inTransaction } from "../db/transaction.ts";
import { MediaError } from "../media/media-error.ts";
import type { Job } from "../queue/job-queue.ts";

export class ProcessingQuota {
  constructor(
    private readonly pool: pg.Pool,
    private readonly minutesPerDay: number,
  ) {}

  /**
   * Charges `sourceMs` of the video's source to its owner for this job, or throws a
   * MediaError(`quota_exceeded`) when the last 24 hours' charges plus this one exceed the
   * quota (nothing is charged then).
   */
  async charge(job: Job, videoId: string, sourceMs: number): Promise<void> {
    const limitMs = this.minutesPerDay * 60_000;
    const refused = await inTransaction(this.pool, async (client) => {
      const { rows: owners } = await client.query<{ owner_id: string }>(
        "select owner_id from videos where id = $1",
        [videoId],
      );
      const owner = owners[0]?.owner_id;
      if (!owner) return undefined;
      await client.query("select pg_advisory_xact_lock(hashtext('processing_usage'), hashtext($1))", [owner]);
      const { rows } = await client.query<{ charged: boolean; used: string }>(
        `select exists (select 1 from processing_usage where job_id = $2) as charged,
                coalesce((select sum(source_ms) from processing_usage
                          where user_id = $1 and charged_at > now() - interval '24 hours'), 0) as used`,
        [owner, job.id],
      );
      const row = rows[0]!;
      if (row.charged) return undefined;
      const used = Number(row.used);
      if (used + sourceMs > limitMs) return { used };
      await client.query(
        "insert into processing_usage (user_id, video_id, job_id, source_ms) values ($1, $2, $3, $4)",
        [owner, videoId, job.id, sourceMs],
      );
      return undefined;
    });
    if (refused) {
      const minutes = (ms: number) => Math.ceil(ms / 60_000);
      throw new MediaError(
        "quota_exceeded",
        `Processing this video (${minutes(sourceMs)} min) would exceed your quota of ${this.minutesPerDay} minutes ` +
          `of video per 24 hours (${minutes(refused.used)} min used). Upload it again later.`,
      );
    }
  }
}
