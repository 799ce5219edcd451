/**
 * The farm's writes to a video's lifecycle. Every transition names the state it expects,
 * so a late or repeated event can never move a video backwards or publish it twice.
 */
import type pg from "pg";
import { enqueueJob } from "../jobs/job-queue.ts";

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

  /** uploading → awaiting_upload, after the client terminated its upload. */
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
}
