import type pg from "pg";

/** Adds a job in the caller's transaction, so it commits (or not) with the state change. */
export async function enqueueJob(
  client: pg.PoolClient | pg.Pool,
  type: string,
  videoId: string | null,
  payload: Record<string, unknown>,
): Promise<void> {
  await client.query("insert into jobs (type, video_id, payload) values ($1, $2, $3)", [
    type,
    videoId,
    JSON.stringify(payload),
  ]);
}
