/**
 * The chores every farm node runs on a timer (any node may; each is safe to run on several
 * at once): finished uploads whose finish was never recorded, abandoned uploads, and settled
 * jobs past their retention. Each chore's failure is logged and never stops the others.
 */

export interface Chore {
  name: string;
  /** Returns how many things it handled (logged when non-zero). */
  run(): Promise<number>;
}

export class Maintenance {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly chores: Chore[],
    private readonly intervalMs: number,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  /** One pass over every chore (a pass already under way is awaited instead). */
  runOnce(): Promise<void> {
    this.running ??= (async () => {
      for (const chore of this.chores) {
        try {
          const handled = await chore.run();
          if (handled > 0) this.log(`${chore.name}: ${handled}`);
        } catch (err) {
          this.log(`${chore.name} failed: ${(err as Error).message}`);
        }
      }
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
