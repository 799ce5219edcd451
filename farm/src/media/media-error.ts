import type { MediaErrorCode } from "../../../shared/errors/error-codes.ts";
import { PermanentJobError } from "../queue/permanent-job-error.ts";

/**
 * A source the farm cannot or will not process: permanent (no retry), and the transcode's
 * give-up hook fails the video with this code.
 */
export class MediaError extends PermanentJobError {
  override name = "MediaError";
  constructor(
    readonly code: MediaErrorCode,
    message: string,
  ) {
    super(message);
  }
}
