/**
 * Polls `probe` until it returns something other than undefined, or fails after `timeoutMs`
 * naming what it waited for (and, when given, what the system said meanwhile).
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 90_000,
  context?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}${context ? `\n${context()}` : ""}`);
}
