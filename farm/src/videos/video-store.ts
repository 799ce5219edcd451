/**
 * The farm's writes to a video's lifecycle. Every transition names the state it expects,
 * so a late or repeated event can never move a video backwards or publish it twice.
 */
import type pg from "pg";
import type { PublishedMedia } from "../../../shared/db/schema.ts";
import type { MediaErrorCode } from "../../../shared/errors/error-codes.ts";
import { enqueueJob, type Job, type JobQueue } from "../jobs/job-queue.ts";
import type { ManifestRendition } from "../media/dash-manifest.ts";

export interface UploadTarget {
  id: string;
  ownerId: string;
  status: string;
  deleted: boolean;
}

export class VideoStore {
  constructor(private readonly pool: pg.Pool) {}

  async find(id: string): Promise<UploadTarget | undefined> {
    const { rows } = await this.pool.query<{
      id: string;
      owner_id: string;
      status: string;
      deleted: boolean;
    }>("select id, owner_id, status, deleted_at is not null as deleted from videos where id = $1", [id]);
    const row = rows[0];
    return row && { id: row.id, ownerId: row.owner_id, status: row.status, deleted: row.deleted };
  }

  /** awaiting_upload → uploading (recording the announced size); false when the video already has an upload. */
  async claimUpload(id: string, bytes: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `update videos set status = 'uploading', progress = 0, source_bytes = $2, updated_at = now()
       where id = $1 and status = 'awaiting_upload' and deleted_at is null`,
      [id, bytes],
    );
    return rowCount === 1;
  }

  /** Videos whose upload has not moved for `seconds`. */
  async idleUploads(seconds: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      "select id from videos where status = 'uploading' and updated_at < now() - ($1 || ' seconds')::interval",
      [String(seconds)],
    );
    return rows.map((row) => row.id);
  }

  /** uploading → awaiting_upload, after the client terminated its upload or it expired. */
  async releaseUpload(id: string): Promise<void> {
    await this.pool.query(
      `update videos set status = 'awaiting_upload', progress = 0, updated_at = now()
       where id = $1 and status = 'uploading'`,
      [id],
    );
  }

  /** Upload progress as a percentage of the announced size (100 only once processing starts). */
  async uploadProgress(id: string, offset: number): Promise<void> {
    await this.pool.query(
      `update videos set progress = least(99, floor($2::bigint * 100 / greatest(source_bytes, 1)))::int, updated_at = now()
       where id = $1 and status = 'uploading' and progress < least(99, floor($2::bigint * 100 / greatest(source_bytes, 1)))`,
      [id, offset],
    );
  }

  /** uploading → processing and a transcode job, in one transaction. */
  async uploadFinished(id: string, sourceKey: string, bytes: number): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("begin");
      const { rowCount } = await client.query(
        `update videos set status = 'processing', progress = 0, source_key = $2, source_bytes = $3, updated_at = now()
         where id = $1 and status = 'uploading' and deleted_at is null`,
        [id, sourceKey, bytes],
      );
      if (rowCount === 1) await enqueueJob(client, "transcode", id, { sourceKey });
      await client.query("commit");
    } catch (err) {
      await client.query("rollback").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async forProcessing(
    id: string,
  ): Promise<
    { status: string; sourceKey: string | null; sourceBytes: number; deleted: boolean } | undefined
  > {
    const { rows } = await this.pool.query<{
      status: string;
      source_key: string | null;
      source_bytes: string | null;
      deleted: boolean;
    }>(
      "select status, source_key, source_bytes, deleted_at is not null as deleted from videos where id = $1",
      [id],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      status: row.status,
      sourceKey: row.source_key,
      sourceBytes: Number(row.source_bytes ?? 0),
      deleted: row.deleted,
    };
  }

  async processingProgress(id: string, percent: number): Promise<void> {
    await this.pool.query(
      "update videos set progress = $2, updated_at = now() where id = $1 and status = 'processing' and progress < $2",
      [id, Math.max(0, Math.min(99, Math.floor(percent)))],
    );
  }

  /**
   * processing → ready with its renditions, and the job done, in one transaction fenced on
   * the job's lease: false (and nothing written) if another worker owns the job now.
   */
  async publish(
    queue: JobQueue,
    job: Job,
    result: { prefix: string; durationMs: number; media: PublishedMedia; renditions: ManifestRendition[] },
  ): Promise<boolean> {
    return this.inTransaction(async (client) => {
      if (!(await queue.completeIn(client, job))) return false;
      const { rowCount } = await client.query(
        `update videos set status = 'ready', progress = 100, duration_ms = $2, storage_prefix = $3, media = $4,
                error_code = null, error_message = null, ready_at = now(), updated_at = now()
         where id = $1 and status = 'processing'`,
        [job.videoId, result.durationMs, result.prefix, JSON.stringify(result.media)],
      );
      if (rowCount !== 1) return false;
      await client.query("delete from renditions where video_id = $1", [job.videoId]);
      for (const r of result.renditions) {
        await client.query(
          `insert into renditions (video_id, kind, representation_id, width, height, bandwidth, codecs)
           values ($1, $2, $3, $4, $5, $6, $7)`,
          [job.videoId, r.kind, r.representationId, r.width, r.height, r.bandwidth, r.codecs],
        );
      }
      return true;
    });
  }

  /** processing → failed with a stable code and a readable message. */
  async fail(id: string, code: MediaErrorCode, message: string): Promise<void> {
    await this.pool.query(
      `update videos set status = 'failed', error_code = $2, error_message = $3, updated_at = now()
       where id = $1 and status = 'processing'`,
      [id, code, message.slice(0, 1000)],
    );
  }

  private async inTransaction<T>(work: (client: pg.PoolClient) => Promise<T | false>): Promise<T | false> {
    const client = await this.pool.connect();
    try {
      await client.query("begin");
      const result = await work(client);
      await client.query(result === false ? "rollback" : "commit");
      return result;
    } catch (err) {
      await client.query("rollback").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
