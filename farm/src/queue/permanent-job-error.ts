/** An error that retrying cannot fix: the job fails at once and its give-up hook runs. */
export class PermanentJobError extends Error {
  override name = "PermanentJobError";
}
