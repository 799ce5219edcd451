/**
 * Each farm node says it is alive in `farm_nodes` every FARM_HEARTBEAT_MS, so the jobs
 * console can list nodes with their last heartbeat (their running jobs are the jobs they
 * hold: `jobs.locked_by`). A clean shutdown records `stopped_at`; a node that died just
 * stops being seen. Rows of nodes gone for a week are removed by any node.
 */
import { hostname } from "node:os";
import type pg from "pg";

export class NodeHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly nodeId: string,
    private readonly options: { intervalMs: number; workers: boolean; log: (line: string) => void },
  ) {}

  start(): void {
    void this.beat(true);
    this.timer = setInterval(() => void this.beat(false), this.options.intervalMs);
    this.timer.unref();
  }

  /** One heartbeat; a failure is logged once per outage (the next beat tries again). */
  beat(starting = false): Promise<void> {
    this.beating ??= this.pool
      .query(
        `insert into farm_nodes (node_id, host, pid, workers, started_at, last_seen_at, stopped_at)
         values ($1, $2, $3, $4, now(), now(), null)
         on conflict (node_id) do update set host = excluded.host, pid = excluded.pid,
           workers = excluded.workers, last_seen_at = now(), stopped_at = null
           ${starting ? ", started_at = now()" : ""}`,
        [this.nodeId, hostname(), process.pid, this.options.workers],
      )
      .then(
        () => {
          if (this.failing) this.options.log("node heartbeat recorded again");
          this.failing = false;
        },
        (err: Error) => {
          if (!this.failing) this.options.log(`node heartbeat failed: ${err.message}`);
          this.failing = true;
        },
      )
      .finally(() => {
        this.beating = undefined;
      });
    return this.beating;
  }

  private failing = false;

  /** Nodes not seen for `days` are forgotten; returns how many. */
  async forgetGone(days = 7): Promise<number> {
    const { rowCount } = await this.pool.query(
      "delete from farm_nodes where last_seen_at < now() - ($1 || ' days')::interval",
      [String(days)],
    );
    return rowCount ?? 0;
  }

  /** Stops beating and records a clean stop (best effort: the pool may be closing). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    await this.pool
      .query("update farm_nodes set stopped_at = now(), last_seen_at = now() where node_id = $1", [
        this.nodeId,
      ])
      .catch(() => undefined);
  }
}
