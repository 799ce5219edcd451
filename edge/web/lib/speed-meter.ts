/**
 * Upload speed over the last few seconds (a sliding window), so "time left" follows the
 * connection as it is now rather than the average since the start.
 */
const WINDOW_MS = 5000;

export class SpeedMeter {
  private samples: { at: number; sent: number }[] = [];

  add(sent: number, at = performance.now()): void {
    this.samples.push({ at, sent });
    while (this.samples.length > 2 && at - this.samples[0]!.at > WINDOW_MS) this.samples.shift();
  }

  /** Bytes per second; 0 until there is a second's worth of samples. */
  bytesPerSecond(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at - first.at < 1000) return 0;
    return Math.max(0, ((last.sent - first.sent) / (last.at - first.at)) * 1000);
  }

  reset(): void {
    this.samples = [];
  }
}
