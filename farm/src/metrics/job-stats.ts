/**
 * The queue's state for /metrics: jobs by type and state, and the age of the oldest job
 * waiting to run, in one query (one pass over the jobs table, which holds only recent settled
 * jobs: JOB_RETENTION_DAYS), cached for a few seconds so several scrapers, or a scrape of
 * every series at once, cost one query. A failed read keeps the last values (the scrape
 * still answers) and is retried at the next scrape.
 */
import type pg from "pg";
import { JOB_STATES, JOB_TYPES } from "../../../shared/jobs/job-types.ts";

export interface JobStatsSnapshot {
  counts: { type: string; state: string; count: number }[];
  /** Seconds, by type; 0 for a type with nothing waiting. */
  oldestQueuedAge: Map<string, number>;
}

export class JobStats {
  private cached: { at: number; value: Promise<JobStatsSnapshot> } | undefined;
  private last: JobStatsSnapshot = empty();

  constructor(
    private readonly db: pg.Pool,
    private readonly cacheMs = 5000,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {}

  read(): Promise<JobStatsSnapshot> {
    if (!this.cached || Date.now() - this.cached.at > this.cacheMs) {
      this.cached = { at: Date.now(), value: this.query() };
    }
    return this.cached.value;
  }

  private async query(): Promise<JobStatsSnapshot> {
    try {
      const { rows } = await this.db.query<{ type: string; state: string; n: number; oldest: number | null }>(
        `select type, state, count(*)::int as n,
                extract(epoch from now() - min(run_at) filter (where state = 'queued' and run_at <= now()))::float8 as oldest
         from jobs group by type, state`,
      );
      const snapshot = empty();
      const counts = new Map(snapshot.counts.map((c) => [`${c.type}/${c.state}`, c]));
      for (const row of rows) {
        const known = counts.get(`${row.type}/${row.state}`);
        if (known) known.count = row.n;
        else snapshot.counts.push({ type: row.type, state: row.state, count: row.n });
        if (row.oldest !== null) snapshot.oldestQueuedAge.set(row.type, Math.max(0, row.oldest));
      }
      this.last = snapshot;
      return snapshot;
    } catch (err) {
      this.cached = undefined;
      this.onError(err as Error);
      return this.last;
    }
  }
}

/** Every known type and state at 0, so a series never vanishes when its count drops to none. */
function empty(): JobStatsSnapshot {
  return {
    counts: JOB_TYPES.flatMap((type) => JOB_STATES.map((state) => ({ type, state, count: 0 }))),
    oldestQueuedAge: new Map(JOB_TYPES.map((type) => [type, 0])),
  };
}
