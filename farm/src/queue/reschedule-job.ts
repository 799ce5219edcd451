/**
 * Thrown by a handler that is waiting on something outside the farm (a provider's job that
 * takes minutes): the runner queues the job again `delayMs` later with `payload` (what it
 * needs to pick up where it left off, e.g. the provider's job name) instead of holding a
 * slot while it waits. Not a failure: the attempt does not count against the policy.
 */
export class RescheduleJob extends Error {
  override name = "RescheduleJob";
  constructor(
    readonly delayMs: number,
    readonly payload: unknown,
  ) {
    super(`waiting; runs again in ${delayMs} ms`);
  }
}
