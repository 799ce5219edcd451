/**
 * Runs jobs: per type, as many loops as the policy's concurrency, each claiming, running
 * and settling one job at a time. A lease heartbeat runs beside each job; losing the lease,
 * being unable to renew it for a whole lease period, the video being deleted, an admin
 * cancelling the job, or passing the attempt's timeout aborts the handler. stop() takes no
 * new jobs, lets running ones finish within the grace period, then aborts them and hands
 * them back.
 *
 * A job that ends may have queued others in its own transaction (a chunked run's next stage):
 * every idle loop then looks for work at once instead of at its next poll, so a follow-up
 * claimed on this node starts within milliseconds (other nodes see it at their next poll).
 *
 * The runner is the only one that settles a job: handlers return or throw. A database error
 * while settling is retried until it succeeds or the lease is gone; nothing here may reject
 * unhandled, because that would take the node down with every upload on it.
 */
import type { JobType } from "../../../shared/jobs/job-types.ts";
import { backoffMs, type JobPolicies } from "./job-policies.ts";
import { CANCELLED_BY_ADMIN, type Job, type JobQueue } from "./job-queue.ts";
import { PermanentJobError } from "./permanent-job-error.ts";
import { RescheduleJob } from "./reschedule-job.ts";

export { PermanentJobError, RescheduleJob };

export interface JobContext {
  signal: AbortSignal;
}

export interface JobHandler<T extends JobType = JobType> {
  run(job: Job<T>, ctx: JobContext): Promise<void>;
  /** Called once when the job fails for good (attempts used up or a permanent error). */
  giveUp?(job: Job<T>, error: Error): Promise<void>;
}

export type JobHandlers = { [T in JobType]?: JobHandler<T> };

export interface JobRunnerOptions {
  pollMs: number;
  leaseMs: number;
  log: (line: string) => void;
  /** Pause between tries of a settle that hit a database error (default 500 ms). */
  settleRetryMs?: number;
  /**
   * Told when an attempt starts and how it ended (metrics, the structured job log); given
   * one, the runner leaves those lines to it instead of writing them to `log`.
   */
  onEvent?: (event: JobEvent) => void;
}

/**
 * How an attempt ended (`retry`: it failed and will run again; `waiting`: it asked to run
 * again later, RescheduleJob), or that it started.
 */
export type JobEventKind =
  | "started"
  | "done"
  | "retry"
  | "failed"
  | "lost"
  | "cancelled"
  | "shutdown"
  | "waiting";

export interface JobEvent {
  kind: JobEventKind;
  job: Job;
  /** Since the attempt started (0 for `started`). */
  durationMs: number;
  /** The line the runner would have logged. */
  message: string;
  error?: string;
  retryInMs?: number;
}

type Outcome = "done" | "lost" | "cancelled" | "shutdown" | { error: Error };

export class JobRunner {
  private stopping = false;
  private readonly loops: Promise<void>[] = [];
  private readonly running = new Map<number, { controller: AbortController; done: Promise<void> }>();
  /** Idle loops' wake-ups, with the type each loop claims. */
  private readonly sleepers = new Map<() => void, JobType>();
  private readonly startedAt = new Map<number, number>();
  /**
   * Per type, until when a claim is known to find nothing (or one is under way): the type's
   * other idle loops wait for the next poll instead of asking too — one claim per type and
   * poll, not one per loop (a node runs ~25 loops; wake() clears it).
   */
  private readonly emptyUntil = new Map<JobType, number>();

  constructor(
    private readonly queue: JobQueue,
    private readonly policies: JobPolicies,
    private readonly handlers: JobHandlers,
    private readonly options: JobRunnerOptions,
  ) {}

  start(): void {
    for (const type of Object.keys(this.handlers) as JobType[]) {
      for (let i = 0; i < this.policies[type].concurrency; i++) this.loops.push(this.loop(type));
    }
  }

  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.wake();
    const timer = setTimeout(() => {
      for (const { controller } of this.running.values()) controller.abort(new Error("shutting down"));
    }, graceMs);
    await Promise.all([...this.running.values()].map((r) => r.done));
    clearTimeout(timer);
    await Promise.all(this.loops);
  }

  private async loop(type: JobType): Promise<void> {
    while (!this.stopping) {
      const knownEmptyFor = (this.emptyUntil.get(type) ?? 0) - Date.now();
      if (knownEmptyFor > 0) {
        await this.sleep(knownEmptyFor, type);
        continue;
      }
      // Until this claim answers (and a poll after, if it finds nothing) the type's other idle
      // loops wait on it.
      this.emptyUntil.set(type, Date.now() + this.options.pollMs);
      let job: Job | undefined;
      try {
        job = await this.queue.claim(type);
      } catch (err) {
        this.options.log(`claim ${type} failed: ${(err as Error).message}`);
      }
      if (!job) {
        await this.sleep(this.options.pollMs, type);
        continue;
      }
      // Work of this type was there: there may be more, so its other idle loops claim now.
      this.wake(type);
      const controller = new AbortController();
      const done = this.execute(job, controller).catch((err) =>
        this.options.log(`job #${job.id}: unexpected runner error: ${(err as Error).stack ?? err}`),
      );
      this.running.set(job.id, { controller, done });
      await done;
      this.running.delete(job.id);
      this.startedAt.delete(job.id);
      this.wake();
    }
  }

  private async execute(job: Job, controller: AbortController): Promise<void> {
    const policy = this.policies[job.type];
    const handler = this.handlers[job.type] as JobHandler | undefined;
    const label = `${job.type} #${job.id} (attempt ${job.attempts}/${policy.attempts})`;
    if (!handler) return; // claimed only for types with a handler
    if (job.attempts > policy.attempts) {
      // A job retaken after its runner died on the last attempt.
      await this.giveUp(job, handler, new Error(`gave up after ${policy.attempts} attempts`), label);
      return;
    }
    this.startedAt.set(job.id, Date.now());
    this.event(job, "started", `${label} started`);
    const outcome = await this.runWithLease(job, handler, policy, controller);
    if (outcome === "done") {
      if (await this.retrying(`${label} settle`, () => this.queue.complete(job))) {
        this.event(job, "done", `${label} done`);
      } else if (
        // Completion is refused once an admin cancelled the job: settle it as cancelled.
        await this.retrying(`${label} settle`, () =>
          this.queue.cancel(job, CANCELLED_BY_ADMIN, { onlyIfRequested: true }),
        )
      ) {
        this.event(job, "cancelled", `${label} cancelled by an admin; its result was not kept`);
      } else {
        this.options.log(`${label}: not settled, the job is no longer ours`);
      }
    } else if (outcome === "lost") {
      const why = (controller.signal.reason as Error)?.message;
      this.event(job, "lost", `${label} stopped (${why}); another node may take it`, { error: why });
    } else if (outcome === "cancelled") {
      const reason = (controller.signal.reason as Error | undefined)?.message ?? CANCELLED_BY_ADMIN;
      await this.settle(label, () => this.queue.cancel(job, reason));
      this.event(job, "cancelled", `${label} cancelled: ${reason}`, { error: reason });
    } else if (outcome === "shutdown") {
      await this.settle(label, () => this.queue.release(job));
      this.event(job, "shutdown", `${label} handed back to the queue (shutdown)`);
    } else {
      const { error } = outcome;
      if (error instanceof RescheduleJob) {
        // Waiting on something outside the farm: the slot goes to other work meanwhile.
        await this.settle(label, () => this.queue.reschedule(job, error.delayMs, error.payload));
        this.event(job, "waiting", `${label} waiting, runs again in ${error.delayMs} ms`, {
          retryInMs: error.delayMs,
        });
        return;
      }
      if (!(error instanceof PermanentJobError) && job.attempts < policy.attempts) {
        const delay = backoffMs(policy, job.attempts);
        const settled = await this.settle(label, () =>
          this.queue.fail(job, errorText(error), delay, stderrTailOf(error)),
        );
        if (settled === "cancelled") this.cancelledMeanwhile(job, label, error);
        else if (settled)
          this.event(job, "retry", `${label} failed, retry in ${delay} ms: ${firstLine(error)}`, {
            error: firstLine(error),
            retryInMs: delay,
          });
        else this.notOurs(job, label, error);
      } else {
        await this.giveUp(job, handler, error, label);
      }
    }
  }

  /** Runs the handler with a heartbeat beside it; says how the attempt ended. */
  private async runWithLease(
    job: Job,
    handler: JobHandler,
    policy: JobPolicies[JobType],
    controller: AbortController,
  ): Promise<Outcome> {
    let ending: Outcome | undefined;
    const end = (why: Outcome, reason: string) => {
      ending ??= why;
      controller.abort(new Error(reason));
    };
    let renewedAt = Date.now();
    const heartbeat = setInterval(
      () => {
        this.queue.heartbeat(job).then(
          (state) => {
            if (state === "ours") renewedAt = Date.now();
            else if (state === "lost") end("lost", "lease lost");
            else if (state === "cancelled") end("cancelled", CANCELLED_BY_ADMIN);
            else if (policy.stopsWhenVideoDeleted) end("cancelled", "the video was deleted");
            else renewedAt = Date.now();
          },
          (err) => {
            // Cut off from the database: once the lease has run out another node may have
            // the job, so stop rather than encode on and publish nothing.
            if (Date.now() - renewedAt > this.options.leaseMs) {
              end(
                "lost",
                `could not renew the lease for ${this.options.leaseMs} ms: ${(err as Error).message}`,
              );
            }
          },
        );
      },
      Math.max(100, Math.floor(this.options.leaseMs / 4)),
    );
    const timeout = setTimeout(
      () => controller.abort(new Error(`timed out after ${policy.timeoutMs} ms`)),
      policy.timeoutMs,
    );
    try {
      // A job of a video deleted while it was queued is cancelled, not run (and not "done").
      if (policy.stopsWhenVideoDeleted && job.videoId) {
        const state = await this.queue.heartbeat(job).catch(() => "ours" as const);
        if (state === "video_deleted") end("cancelled", "the video was deleted");
      }
      if (controller.signal.aborted) return ending ?? "lost";
      await handler.run(job, { signal: controller.signal });
      return ending ?? "done";
    } catch (err) {
      if (ending) return ending;
      if (this.stopping && controller.signal.aborted) return "shutdown";
      return { error: err instanceof Error ? err : new Error(String(err)) };
    } finally {
      clearInterval(heartbeat);
      clearTimeout(timeout);
    }
  }

  private async giveUp(job: Job, handler: JobHandler, error: Error, label: string): Promise<void> {
    const failed = () => this.queue.fail(job, errorText(error), undefined, stderrTailOf(error));
    const settled = await this.settle(label, failed);
    if (!settled) return this.notOurs(job, label, error);
    if (settled === "cancelled") return this.cancelledMeanwhile(job, label, error);
    this.event(job, "failed", `${label} failed for good: ${firstLine(error)}`, { error: firstLine(error) });
    await this.retrying(`${label} give-up hook`, async () => {
      await handler.giveUp?.(job, error);
      return true;
    });
  }

  /** The attempt failed, but the job was no longer ours to settle (another node has it). */
  private notOurs(job: Job, label: string, error: Error): void {
    this.event(job, "lost", `${label} failed (${firstLine(error)}); not settled here, its lease decides`, {
      error: firstLine(error),
    });
  }

  /** The attempt failed, but an admin had cancelled the job meanwhile: it ended cancelled. */
  private cancelledMeanwhile(job: Job, label: string, error: Error): void {
    this.event(job, "cancelled", `${label} cancelled by an admin (it ended with: ${firstLine(error)})`, {
      error: CANCELLED_BY_ADMIN,
    });
  }

  /** Reports an attempt's start or end to `onEvent`, else logs its line. Never throws. */
  private event(
    job: Job,
    kind: JobEventKind,
    message: string,
    extra: { error?: string | undefined; retryInMs?: number } = {},
  ): void {
    const started = this.startedAt.get(job.id);
    if (kind !== "started") this.startedAt.delete(job.id);
    if (!this.options.onEvent) {
      this.options.log(message);
      return;
    }
    const durationMs = kind === "started" || started === undefined ? 0 : Date.now() - started;
    try {
      this.options.onEvent({ kind, job, durationMs, message, ...extra });
    } catch (err) {
      this.options.log(`${message} (event hook failed: ${(err as Error).message})`);
    }
  }

  /** A fenced settle, retried through database errors; false if the job is not ours any more. */
  private async settle<T>(label: string, write: () => Promise<T>): Promise<T | false> {
    const ours = await this.retrying(`${label} settle`, write);
    if (!ours) this.options.log(`${label}: not settled, the job is no longer ours`);
    return ours;
  }

  /**
   * Retries `work` while it throws (the database is away). Retrying is safe because every
   * settle is fenced: once another node has taken the job, ours simply matches no row. On
   * shutdown it gives up after one lease period, leaving the job to its lease. Never throws.
   */
  private async retrying<T>(what: string, work: () => Promise<T>): Promise<T | false> {
    const started = Date.now();
    for (;;) {
      try {
        return await work();
      } catch (err) {
        this.options.log(`${what} failed: ${(err as Error).message}`);
        if (this.stopping && Date.now() - started > this.options.leaseMs) return false;
        await new Promise((resolve) => setTimeout(resolve, this.options.settleRetryMs ?? 500));
      }
    }
  }

  /**
   * Ends every idle loop's sleep: each claims again now. Called when work was queued — by a
   * job that ended here, or by this node's uploads (an upload finished here). With a type,
   * only its loops: a claim of it found work, and there may be more.
   */
  wake(type?: JobType): void {
    if (type === undefined) this.emptyUntil.clear();
    else this.emptyUntil.delete(type);
    for (const [resume, sleeping] of [...this.sleepers])
      if (type === undefined || sleeping === type) resume();
  }

  private sleep(ms: number, type: JobType): Promise<void> {
    // A loop that was claiming when stop() woke the sleepers must not start a sleep after it.
    if (this.stopping) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.set(wake, type);
    });
  }
}

const firstLine = (error: Error) => error.message.split("\n")[0];

/** ffmpeg's stderr tail, on the error or one of its causes (FfmpegError carries one). */
function stderrTailOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const tail = (e as { stderrTail?: unknown }).stderrTail;
    if (typeof tail === "string" && tail) return tail;
  }
  return undefined;
}

/** The error's message without the stderr tail FfmpegError appends (stored on its own). */
function errorText(error: Error): string {
  const marker = error.message.indexOf("\n--- ffmpeg stderr (tail) ---\n");
  return stderrTailOf(error) && marker >= 0 ? error.message.slice(0, marker) : error.message;
}
