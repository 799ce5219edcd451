/**
 * Runs jobs: per type, as many loops as the policy's concurrency, each claiming, running
 * and settling one job at a time. A lease heartbeat runs beside each job; losing the lease
 * or passing the attempt's timeout aborts the handler. stop() takes no new jobs, lets
 * running ones finish within the grace period, then aborts them and hands them back.
 */
import type { Job, JobQueue } from "./job-queue.ts";
import type { JobPolicy, JobType } from "./job-types.ts";

export interface JobContext {
  signal: AbortSignal;
}

export interface JobHandler {
  run(job: Job, ctx: JobContext): Promise<void>;
  /** Called once when the job fails for good (attempts used up or a permanent error). */
  giveUp?(job: Job, error: Error): Promise<void>;
}

/** An error that retrying cannot fix. */
export class PermanentJobError extends Error {
  override name = "PermanentJobError";
}

export class Worker {
  private stopping = false;
  private readonly loops: Promise<void>[] = [];
  private readonly running = new Map<number, { controller: AbortController; done: Promise<void> }>();
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly queue: JobQueue,
    private readonly policies: Record<JobType, JobPolicy>,
    private readonly handlers: Partial<Record<JobType, JobHandler>>,
    private readonly options: { pollMs: number; leaseMs: number; log: (line: string) => void },
  ) {}

  start(): void {
    for (const [type, handler] of Object.entries(this.handlers) as [JobType, JobHandler][]) {
      for (let i = 0; i < this.policies[type].concurrency; i++) this.loops.push(this.loop(type, handler));
    }
  }

  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const wake of this.sleepers) wake();
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    const timer = setTimeout(() => {
      for (const { controller } of this.running.values()) controller.abort(new Error("shutting down"));
    }, graceMs);
    await all();
    clearTimeout(timer);
    await Promise.all(this.loops);
  }

  private async loop(type: JobType, handler: JobHandler): Promise<void> {
    while (!this.stopping) {
      let job: Job | undefined;
      try {
        job = await this.queue.claim(type);
      } catch (err) {
        this.options.log(`claim ${type} failed: ${(err as Error).message}`);
      }
      if (!job) {
        await new Promise<void>((resolve) => {
          const wake = () => {
            clearTimeout(timer);
            this.sleepers.delete(wake);
            resolve();
          };
          const timer = setTimeout(wake, this.options.pollMs);
          this.sleepers.add(wake);
        });
        continue;
      }
      const controller = new AbortController();
      const done = this.execute(job, type, handler, controller);
      this.running.set(job.id, { controller, done });
      await done;
      this.running.delete(job.id);
    }
  }

  private async execute(
    job: Job,
    type: JobType,
    handler: JobHandler,
    controller: AbortController,
  ): Promise<void> {
    const policy = this.policies[type];
    const label = `${type} #${job.id} (attempt ${job.attempts}/${policy.attempts})`;
    if (job.attempts > policy.attempts) {
      const error = new Error(`gave up after ${policy.attempts} attempts`);
      await this.queue.fail(job, error.message, false);
      await handler.giveUp?.(job, error).catch((err) => this.options.log(`${label} give-up hook: ${err}`));
      return;
    }
    let lost = false;
    const heartbeat = setInterval(
      () => {
        this.queue.heartbeat(job).then(
          (ours) => {
            if (!ours) {
              lost = true;
              controller.abort(new Error("lease lost"));
            }
          },
          () => undefined,
        );
      },
      Math.max(250, Math.floor(this.options.leaseMs / 3)),
    );
    const timeout = setTimeout(
      () => controller.abort(new Error(`timed out after ${policy.timeoutMs} ms`)),
      policy.timeoutMs,
    );
    this.options.log(`${label} started`);
    try {
      await handler.run(job, { signal: controller.signal });
      await this.queue.completeIn(this.queue.pool, job);
      this.options.log(`${label} done`);
    } catch (err) {
      const error = err as Error;
      if (lost) {
        this.options.log(`${label} lost its lease; another worker has it`);
      } else if (this.stopping && controller.signal.aborted) {
        await this.queue.release(job);
        this.options.log(`${label} handed back to the queue (shutdown)`);
      } else {
        const retry = !(error instanceof PermanentJobError) && job.attempts < policy.attempts;
        await this.queue.fail(job, error.message, retry);
        this.options.log(`${label} failed${retry ? ", will retry" : ""}: ${error.message.split("\n")[0]}`);
        if (!retry)
          await handler.giveUp?.(job, error).catch((e) => this.options.log(`${label} give-up hook: ${e}`));
      }
    } finally {
      clearInterval(heartbeat);
      clearTimeout(timeout);
    }
  }
}
