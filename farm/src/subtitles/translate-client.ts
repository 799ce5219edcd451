/**
 * The AWS Translate client (one per node) and what its errors mean for a translation:
 * throttling, 5xx and lost connections pass with time and are retried; a refused language
 * pair, an oversized text or a rejected request never will, and end the track with a code a
 * person can act on.
 */
import { TranslateClient, type TranslateClientConfig } from "@aws-sdk/client-translate";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import { hasAwsCredentials } from "../../../shared/config/translation.ts";

/** Tries per request inside the SDK (its standard retry, with its own backoff and retry quota). */
export const SDK_MAX_ATTEMPTS = 3;

export function createTranslateClient(
  config: Pick<FarmConfig, "AWS_REGION" | "AWS_TRANSLATE_ENDPOINT"> & Parameters<typeof hasAwsCredentials>[0],
  options: {
    /** Explicit credentials (tests); otherwise the SDK's standard chain finds them. */
    credentials?: TranslateClientConfig["credentials"];
    maxAttempts?: number;
  } = {},
): TranslateClient {
  // A local stand-in with no credentials configured gets placeholders (it does not check
  // them); otherwise the SDK's chain would end by probing the instance-metadata address.
  const credentials =
    options.credentials ??
    (config.AWS_TRANSLATE_ENDPOINT && !hasAwsCredentials(config)
      ? { accessKeyId: "local", secretAccessKey: "local" }
      : undefined);
  return new TranslateClient({
    region: config.AWS_REGION ?? "us-east-1",
    ...(config.AWS_TRANSLATE_ENDPOINT ? { endpoint: config.AWS_TRANSLATE_ENDPOINT } : {}),
    ...(credentials ? { credentials } : {}),
    maxAttempts: options.maxAttempts ?? SDK_MAX_ATTEMPTS,
    // A request that hangs is cut and retried instead of holding the job until its timeout.
    requestHandler: { connectionTimeout: 5000, requestTimeout: 30_000 },
  });
}

/** Why a translation cannot succeed: stored on the track as error_code / error_message. */
export type TranslationErrorCode =
  | "unsupported_language_pair"
  | "translation_text_too_long"
  | "translation_request_invalid"
  | "source_language_undetected"
  | "translation_not_configured"
  | "translation_access_denied"
  | "translation_rejected"
  | "translation_quota_exceeded"
  /** The owner's TRANSLATE_MONTHLY_CHARS for this month is used up. */
  | "quota_exceeded"
  /** The video has no processed upload (translations start once it has one). */
  | "video_not_ready"
  /** The video already has SUBTITLE_MAX_TRACKS tracks: the translation was skipped. */
  | "too_many_tracks"
  | "same_language"
  | "source_track_missing"
  | "source_track_not_ready"
  | "translation_failed";

const PERMANENT: Record<string, { code: TranslationErrorCode; message: string }> = {
  UnsupportedLanguagePairException: {
    code: "unsupported_language_pair",
    message: "AWS Translate cannot translate between these languages",
  },
  TextSizeLimitExceededException: {
    code: "translation_text_too_long",
    message: "AWS Translate refused a request as too long",
  },
  InvalidRequestException: {
    code: "translation_request_invalid",
    message: "AWS Translate refused the request",
  },
  InvalidParameterValueException: {
    code: "translation_request_invalid",
    message: "AWS Translate refused the request",
  },
  DetectedLanguageLowConfidenceException: {
    code: "source_language_undetected",
    message: "The subtitles' language could not be detected; set the source track's language",
  },
  CredentialsProviderError: {
    code: "translation_not_configured",
    message: "No AWS credentials were found for AWS Translate",
  },
};

const ACCESS_DENIED = new Set([
  "AccessDeniedException",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
]);

/** An error retrying will not fix, as the track's code and a readable message. */
export interface PermanentFailure {
  code: TranslationErrorCode;
  message: string;
}

/** A permanent failure for errors that will not pass, undefined for those worth retrying. */
export function permanentFailure(err: unknown): PermanentFailure | undefined {
  const e = err as {
    name?: string;
    message?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const detail = e.message ? `: ${e.message}` : "";
  const known = e.name ? PERMANENT[e.name] : undefined;
  if (known) return { code: known.code, message: `${known.message}${detail}` };
  if (e.name && ACCESS_DENIED.has(e.name)) {
    return { code: "translation_access_denied", message: `AWS Translate refused our credentials${detail}` };
  }
  const status = e.$metadata?.httpStatusCode;
  // Other 4xx answers (429 aside) are the service refusing this request for good.
  if (status && status >= 400 && status < 500 && status !== 429) {
    return {
      code: "translation_rejected",
      message: `AWS Translate refused the request (${e.name})${detail}`,
    };
  }
  return undefined; // throttling, 5xx, timeouts, connection errors
}
