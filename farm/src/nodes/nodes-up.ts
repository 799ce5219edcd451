/**
 * How many farm nodes with workers are up now: seen by their heartbeat (node-heartbeat.ts)
 * within three of its intervals and not stopped. What the transcode job asks before splitting
 * a long source across nodes (chunk-plan.ts `shouldChunk`); the node asking counts itself.
 */
import type pg from "pg";

export async function nodesUp(pool: pg.Pool, heartbeatMs: number): Promise<number> {
  const { rows } = await pool.query<{ up: number }>(
    `select count(*)::int as up from farm_nodes
      where workers and stopped_at is null and last_seen_at > now() - make_interval(secs => $1)`,
    [(3 * heartbeatMs) / 1000],
  );
  return rows[0]?.up ?? 0;
}
