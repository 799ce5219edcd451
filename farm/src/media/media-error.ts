import type { MediaErrorCode } from "../../../shared/errors/error-codes.ts";

/** A source the farm cannot or will not process: the video fails with this code; no retry. */
export class MediaError extends Error {
  override name = "MediaError";
  constructor(
    readonly code: MediaErrorCode,
    message: string,
  ) {
    super(message);
  }
}
