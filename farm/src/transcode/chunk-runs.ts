/**
 * A chunked transcode's state in Postgres: the run (its plan and output prefix), the units it
 * waits for, and its jobs. Every unit is marked done inside its job's fenced transaction and
 * under the run's row lock, so the unit that completes a stage — whichever node finishes it,
 * in whatever order — is the one that queues that stage's assembly, exactly once. The
 * growing manifests are written under that same lock (`withRunLock`), so they only ever grow.
 */
import type pg from "pg";
import { inTransaction } from "../db/transaction.ts";
import type { Job, JobQueue } from "../queue/job-queue.ts";
import { enqueueJob } from "../queue/job-queue.ts";
import { audioPieceSeconds, type ChunkPlan, isGrowingUnit, playableUnits, runUnits } from "./chunk-plan.ts";

export interface ChunkRun {
  id: string;
  videoId: string;
  prefix: string;
  plan: ChunkPlan;
}

/** Share of the video's progress bar the units stand for (the rest is publishing). */
const PROGRESS_FROM = 2;
const PROGRESS_TO = 95;

export class ChunkRuns {
  constructor(
    private readonly pool: pg.Pool,
    private readonly queue: JobQueue,
  ) {}

  /**
   * Records a new run for the parent transcode `job` and queues its chunk jobs, fenced on the
   * parent's lease. A run of the same plan left by an earlier attempt of the parent (its node
   * died after queuing the chunks) is resumed instead — its chunks, done or not, are kept, and
   * so is its output directory; any other run of the video is abandoned. Returns the run, or
   * undefined when the parent no longer holds its job.
   */
  async start(job: Job, videoId: string, prefix: string, plan: ChunkPlan): Promise<ChunkRun | undefined> {
    return inTransaction(this.pool, async (client) => {
      if (!(await this.queue.holds(job, client))) return undefined;
      // jsonb equality: the same plan whatever order its keys were stored in.
      const { rows: existing } = await client.query<{ id: string; prefix: string; same: boolean }>(
        "select id, prefix, plan = $2::jsonb as same from transcode_runs where video_id = $1 for update",
        [videoId, JSON.stringify(plan)],
      );
      const same = existing.find((run) => run.same);
      if (same && existing.length === 1) return { id: same.id, videoId, prefix: same.prefix, plan };
      await abandonRuns(client, videoId, "a newer transcode of the video replaced this one");
      const { rows } = await client.query<{ id: string }>(
        "insert into transcode_runs (video_id, prefix, plan) values ($1, $2, $3) returning id",
        [videoId, prefix, JSON.stringify(plan)],
      );
      const id = rows[0]!.id;
      await client.query("insert into transcode_units (run_id, unit) select $1, unnest($2::text[])", [
        id,
        runUnits(plan),
      ]);
      // The audio's pieces and the chunks' smallest rungs in timeline order (a piece before
      // the chunk that starts with it), then the other rungs: among equal priorities the oldest
      // job runs first, so the start of the video is encoded first and plays first.
      const timeline = [
        ...plan.audioPieces.map((piece) => ({
          audio: true,
          index: piece.index,
          at: audioPieceSeconds(piece),
        })),
        ...plan.chunks.map((chunk) => ({
          audio: false,
          index: chunk.index,
          at: chunk.startFrame / plan.ladder.fps,
        })),
      ].sort((a, b) => a.at - b.at || Number(b.audio) - Number(a.audio));
      for (const { audio, index } of timeline) {
        if (audio) await enqueueJob(client, { type: "encode_audio", videoId, payload: { runId: id, index } });
        else {
          await enqueueJob(client, {
            type: "encode_chunk",
            videoId,
            payload: { runId: id, part: "first", index },
          });
        }
      }
      if (plan.ladder.rungs.length > 1) {
        for (const chunk of plan.chunks) {
          await enqueueJob(client, {
            type: "encode_chunk",
            videoId,
            payload: { runId: id, part: "rest", index: chunk.index },
          });
        }
      }
      return { id, videoId, prefix, plan };
    });
  }

  async load(runId: string): Promise<ChunkRun | undefined> {
    const { rows } = await this.pool.query<{ id: string; video_id: string; prefix: string; plan: ChunkPlan }>(
      "select id, video_id, prefix, plan from transcode_runs where id = $1",
      [runId],
    );
    const row = rows[0];
    return row && { id: row.id, videoId: row.video_id, prefix: row.prefix, plan: row.plan };
  }

  /**
   * Marks `unit` of the run done in one transaction fenced on `job` (completing the job too
   * when `complete`), queues the assembly whose last unit this was, and moves the video's
   * progress. False when the job is no longer ours or the run is gone (abandoned): then
   * nothing is written, and the work is simply not used.
   */
  async finishUnit(job: Job, run: ChunkRun, unit: string, options: { complete: boolean }): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const fenced = options.complete
        ? await this.queue.complete(job, client)
        : await this.queue.holds(job, client);
      if (!fenced) return false;
      const locked = await client.query("select 1 from transcode_runs where id = $1 for update", [run.id]);
      if (locked.rowCount !== 1) {
        // Abandoned meanwhile: roll back (a completed job would otherwise look successful).
        throw new RunAbandonedError(run.id);
      }
      const marked = await client.query(
        "update transcode_units set done_at = now() where run_id = $1 and unit = $2 and done_at is null",
        [run.id, unit],
      );
      if (marked.rowCount !== 1) return true; // done before (an earlier attempt committed it)
      const playable = playableUnits(run.plan);
      const { rows } = await client.query<{ playable_left: number; left: number; total: number }>(
        `select count(*) filter (where done_at is null and unit = any($2::text[]))::int as playable_left,
                count(*) filter (where done_at is null)::int as left, count(*)::int as total
         from transcode_units where run_id = $1`,
        [run.id, playable],
      );
      const { playable_left: playableLeft, left, total } = rows[0]!;
      if (left === 0) {
        await enqueueJob(client, {
          type: "assemble_video",
          videoId: run.videoId,
          payload: { runId: run.id, stage: "final" },
        });
      } else if (playable.includes(unit) && playableLeft === 0) {
        await enqueueJob(client, {
          type: "assemble_video",
          videoId: run.videoId,
          payload: { runId: run.id, stage: "playable" },
        });
      } else if (isGrowingUnit(unit) && playableLeft === 0) {
        // Already playable (or about to be): the growing manifests take this part in, if it
        // extends the start of the video that is done (assemble-job.ts).
        await enqueueJob(client, {
          type: "assemble_video",
          videoId: run.videoId,
          payload: { runId: run.id, stage: "grow", after: unit },
        });
      }
      const percent = PROGRESS_FROM + ((total - left) / total) * (PROGRESS_TO - PROGRESS_FROM);
      await client.query(
        "update videos set progress = $2, updated_at = now() where id = $1 and status = 'processing' and progress < $2",
        [run.videoId, Math.floor(percent)],
      );
      return true;
    });
  }

  /**
   * Runs `work` holding the run's row lock, with the units done so far: what finishes a unit
   * waits meanwhile, so two writers of the growing manifests never interleave. Undefined when
   * the run is gone (abandoned or published).
   */
  async withRunLock<T>(runId: string, work: (done: Set<string>) => Promise<T>): Promise<T | undefined> {
    return inTransaction(this.pool, async (client) => {
      const locked = await client.query("select 1 from transcode_runs where id = $1 for update", [runId]);
      if (locked.rowCount !== 1) return undefined;
      return work(await doneUnits(client, runId));
    });
  }

  /** The units of the run done so far. */
  async doneUnits(runId: string): Promise<Set<string>> {
    return doneUnits(this.pool, runId);
  }

  /** The run is published: its rows go, in the caller's (publishing) transaction. */
  async remove(client: pg.PoolClient, run: ChunkRun): Promise<void> {
    await client.query("delete from transcode_runs where id = $1", [run.id]);
  }

  /** Abandons every run of the video (deleted, failed, cancelled): their queued and running jobs stop. */
  async abandonAll(videoId: string, reason: string): Promise<ChunkRun[]> {
    return inTransaction(this.pool, (client) => abandonRuns(client, videoId, reason));
  }
}

async function doneUnits(db: pg.Pool | pg.PoolClient, runId: string): Promise<Set<string>> {
  const { rows } = await db.query<{ unit: string }>(
    "select unit from transcode_units where run_id = $1 and done_at is not null",
    [runId],
  );
  return new Set(rows.map((row) => row.unit));
}

/** A run that was abandoned while one of its jobs worked on it. */
export class RunAbandonedError extends Error {
  override name = "RunAbandonedError";
  constructor(runId: string) {
    super(`chunked run ${runId} was abandoned; this work is not needed any more`);
  }
}

/** Every run of the video goes, in the caller's transaction; their queued and running jobs stop. */
export async function abandonRuns(
  client: pg.PoolClient,
  videoId: string,
  reason: string,
): Promise<ChunkRun[]> {
  const { rows } = await client.query<{ id: string; video_id: string; prefix: string; plan: ChunkPlan }>(
    "delete from transcode_runs where video_id = $1 returning id, video_id, prefix, plan",
    [videoId],
  );
  for (const row of rows) await cancelRunJobs(client, row.id, reason);
  return rows.map((row) => ({ id: row.id, videoId: row.video_id, prefix: row.prefix, plan: row.plan }));
}

/** Queued jobs of the run are cancelled; running ones are asked to stop (their heartbeat sees it). */
async function cancelRunJobs(client: pg.PoolClient, runId: string, reason: string): Promise<void> {
  await client.query(
    `update jobs set
       state = case when state = 'queued' then 'cancelled' else state end,
       finished_at = case when state = 'queued' then now() else finished_at end,
       cancel_requested_at = case when state = 'running' then coalesce(cancel_requested_at, now()) else cancel_requested_at end,
       last_error = $2, updated_at = now()
     where type in ('encode_chunk', 'encode_audio', 'assemble_video') and payload->>'runId' = $1 and state in ('queued', 'running')`,
    [runId, reason],
  );
}
