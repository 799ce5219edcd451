/**
 * Stable machine-readable error codes shared by edge and farm. Clients and tests rely on
 * these strings: add new codes, never rename or reuse one. Each code carries the one HTTP
 * status it maps to, so there is exactly one place where errors become HTTP.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  invalid_id: 400,
  invalid_cursor: 400,
  /** A verification link that is forged, already used, or replaced: ask for a new one. */
  verification_token_invalid: 400,
  /** A verification link older than 24 hours: ask for a new one. */
  verification_token_expired: 400,
  /** A password reset link that is forged or already used: ask for a new one. */
  reset_token_invalid: 400,
  /** A password reset link older than one hour: ask for a new one. */
  reset_token_expired: 400,
  unauthorized: 401,
  token_expired: 401,
  token_invalid: 401,
  invalid_credentials: 401,
  refresh_token_reused: 401,
  forbidden: 403,
  /** The current password sent to confirm an account change (password, address, deletion) is wrong. */
  password_incorrect: 403,
  /** SIGNUP_REQUIRES_VERIFIED_EMAIL is on and this account has not verified its address yet. */
  email_unverified: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  email_taken: 409,
  /** A verification mail was asked for an address that is already verified. */
  email_already_verified: 409,
  /** An address change to the address the account already has. */
  email_unchanged: 409,
  video_not_ready: 409,
  /** A new upload ticket was asked for a video that is processing or ready. */
  upload_not_allowed: 409,
  /** The upload was deleted or expired; start a new one (tus answers 410 too). */
  gone: 410,
  /** tus: a request without a Tus-Resumable version the farm speaks (tus answers 412). */
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  /** Another request holds this upload; retry shortly (tus clients do). */
  locked: 423,
  rate_limited: 429,
  /** A per-user cap (concurrent uploads, videos awaiting upload) is reached. */
  quota_exceeded: 429,
  internal: 500,
  service_unavailable: 503,
  /** A subtitle file that is neither valid WebVTT nor SRT; the message names the first bad line. */
  subtitle_invalid: 422,
  /** Machine translation is not configured on this deployment (see GET /api/v1/capabilities). */
  translation_unavailable: 409,
  /** A search query that is empty (nothing searchable in it) or too long. */
  query_invalid: 400,
  /** The video already has SUBTITLE_MAX_TRACKS subtitle tracks: delete one first. */
  too_many_tracks: 409,
  /** A subtitle track would hold more than SUBTITLE_MAX_CUES cues. */
  too_many_cues: 413,
  /** Automatic captions are off on this deployment (see GET /api/v1/capabilities). */
  captions_unavailable: 409,
  /** The video's generated captions were edited (reviewed): delete them to generate new ones. */
  captions_reviewed: 409,
  /** The video is longer than TRANSCRIBE_MAX_DURATION_S: no automatic captions for it. */
  video_too_long: 409,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function statusForCode(code: ErrorCode): number {
  return ERROR_STATUS[code];
}

/**
 * Why a video failed processing (`video.error.code`). Stable like the HTTP codes above.
 */
export const MEDIA_ERROR_CODES = [
  "not_a_video",
  "no_video_stream",
  "zero_duration",
  "dimensions_too_large",
  "duration_too_long",
  "frame_rate_too_high",
  "too_many_streams",
  "source_missing",
  /** HDR (PQ or HLG) and this farm's ffmpeg cannot tone-map it to SDR (no zscale/tonemap). */
  "hdr_unsupported",
  "transcode_failed",
  /** An admin cancelled the video's transcode (the jobs console); re-process or upload again. */
  "processing_cancelled",
  /**
   * The file is far too small for the duration and picture size it claims (a few frames
   * stretched over hours): fewer than MEDIA_MIN_BYTES_PER_S bytes per second of source.
   */
  "source_too_sparse",
  /**
   * Processing it would take its owner past PROCESSING_MINUTES_PER_DAY minutes of source in
   * 24 hours (the farm checks once the duration is known); upload it again later.
   */
  "quota_exceeded",
] as const;

export type MediaErrorCode = (typeof MEDIA_ERROR_CODES)[number];
