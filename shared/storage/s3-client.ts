import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";

export interface S3Settings {
  endpoint?: string | undefined;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  /**
   * Drop a connection that carries no byte for this long; the request is then retried. The
   * SDK has no such limit by default: a stalled S3 connection would hang its caller for good.
   * An idle limit, not a total one: a large part that keeps moving is never cut.
   */
  idleTimeoutMs?: number | undefined;
}

/**
 * One way to build an S3 client for AWS and for S3-compatible servers alike. SDK v3 adds
 * CRC checksums by default, which local S3 servers reject: send them only when required.
 */
export function s3ClientConfig(settings: S3Settings): S3ClientConfig {
  return {
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...(settings.idleTimeoutMs
      ? {
          requestHandler: {
            connectionTimeout: settings.idleTimeoutMs,
            socketTimeout: settings.idleTimeoutMs,
          },
        }
      : {}),
  };
}

export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client(s3ClientConfig(settings));
}

/** The farm's S3 settings from its config. */
export function farmS3Settings(config: {
  S3_ENDPOINT?: string | undefined;
  S3_REGION: string;
  S3_ACCESS_KEY_ID: string;
  S3_SECRET_ACCESS_KEY: string;
  S3_FORCE_PATH_STYLE: boolean;
  S3_IDLE_TIMEOUT_MS?: number;
}): S3Settings {
  return {
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    accessKeyId: config.S3_ACCESS_KEY_ID,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    idleTimeoutMs: config.S3_IDLE_TIMEOUT_MS,
  };
}
