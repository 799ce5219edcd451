/**
 * The Transcriber on Amazon Transcribe (@aws-sdk/client-transcribe), one client per node.
 * Like the Translate client: region from AWS_REGION, AWS_TRANSCRIBE_ENDPOINT for a stand-in
 * (placeholder credentials then, when none are named), the SDK's standard chain otherwise.
 * Throttling (LimitExceededException, ThrottlingException), 5xx and lost connections are
 * thrown as they are, for the job's backoff; requests that will never pass are
 * TranscriptionRefused.
 */
import {
  DeleteTranscriptionJobCommand,
  GetTranscriptionJobCommand,
  StartTranscriptionJobCommand,
  TranscribeClient,
  type TranscribeClientConfig,
} from "@aws-sdk/client-transcribe";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import { hasAwsCredentials } from "../../../shared/config/translation.ts";
import {
  type Transcriber,
  TranscriptionRefused,
  type TranscriptionRequest,
  type TranscriptionState,
} from "./transcriber.ts";

export function createTranscribeClient(
  config: Pick<FarmConfig, "AWS_REGION" | "AWS_TRANSCRIBE_ENDPOINT"> &
    Parameters<typeof hasAwsCredentials>[0],
  options: { credentials?: TranscribeClientConfig["credentials"]; maxAttempts?: number } = {},
): TranscribeClient {
  const credentials =
    options.credentials ??
    (config.AWS_TRANSCRIBE_ENDPOINT && !hasAwsCredentials(config)
      ? { accessKeyId: "local", secretAccessKey: "local" }
      : undefined);
  return new TranscribeClient({
    region: config.AWS_REGION ?? "us-east-1",
    ...(config.AWS_TRANSCRIBE_ENDPOINT ? { endpoint: config.AWS_TRANSCRIBE_ENDPOINT } : {}),
    ...(credentials ? { credentials } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: { connectionTimeout: 5000, requestTimeout: 30_000 },
  });
}

const ACCESS_DENIED = new Set([
  "AccessDeniedException",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "CredentialsProviderError",
]);

export class AwsTranscriber implements Transcriber {
  constructor(private readonly client: TranscribeClient) {}

  async start(request: TranscriptionRequest, signal?: AbortSignal): Promise<"started" | "already_started"> {
    try {
      await this.client.send(
        new StartTranscriptionJobCommand({
          TranscriptionJobName: request.name,
          Media: { MediaFileUri: request.mediaUri },
          MediaFormat: request.mediaFormat,
          ...(request.languageCode
            ? { LanguageCode: request.languageCode as never }
            : { IdentifyLanguage: true, LanguageOptions: request.languageOptions as never }),
          OutputBucketName: request.outputBucket,
          OutputKey: request.outputKey,
          ...(request.maxSpeakers
            ? { Settings: { ShowSpeakerLabels: true, MaxSpeakerLabels: request.maxSpeakers } }
            : {}),
        }),
        { abortSignal: signal },
      );
      return "started";
    } catch (err) {
      if ((err as Error).name === "ConflictException") return "already_started";
      throw refusal(err) ?? err;
    }
  }

  async status(name: string, signal?: AbortSignal): Promise<TranscriptionState> {
    try {
      const { TranscriptionJob: job } = await this.client.send(
        new GetTranscriptionJobCommand({ TranscriptionJobName: name }),
        { abortSignal: signal },
      );
      switch (job?.TranscriptionJobStatus) {
        case "COMPLETED":
          return {
            state: "completed",
            ...(job.LanguageCode ? { languageCode: job.LanguageCode } : {}),
            ...(job.Transcript?.TranscriptFileUri ? { outputKey: job.Transcript.TranscriptFileUri } : {}),
          };
        case "FAILED":
          return { state: "failed", reason: job.FailureReason ?? "Amazon Transcribe gave no reason" };
        default:
          return { state: "running" };
      }
    } catch (err) {
      if ((err as Error).name === "NotFoundException") return { state: "missing" };
      throw refusal(err) ?? err;
    }
  }

  async remove(name: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.client.send(new DeleteTranscriptionJobCommand({ TranscriptionJobName: name }), {
        abortSignal: signal,
      });
    } catch (err) {
      if ((err as Error).name !== "NotFoundException") throw err;
    }
  }
}

/** What will never pass, as a TranscriptionRefused; undefined for what may (throttling, 5xx). */
function refusal(err: unknown): TranscriptionRefused | undefined {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const detail = e.message ?? "";
  if (e.name && ACCESS_DENIED.has(e.name)) {
    return new TranscriptionRefused(
      "transcription_access_denied",
      `Amazon Transcribe refused our credentials: ${detail}`,
    );
  }
  if (e.name === "BadRequestException") {
    return /language/i.test(detail)
      ? new TranscriptionRefused("unsupported_language", `Amazon Transcribe: ${detail}`)
      : new TranscriptionRefused("transcription_rejected", `Amazon Transcribe refused the job: ${detail}`);
  }
  const status = e.$metadata?.httpStatusCode;
  if (status && status >= 400 && status < 500 && status !== 429 && e.name !== "LimitExceededException") {
    return new TranscriptionRefused(
      "transcription_rejected",
      `Amazon Transcribe refused the request (${e.name}): ${detail}`,
    );
  }
  return undefined;
}
