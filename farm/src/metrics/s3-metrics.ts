/**
 * Counts failed S3 requests by operation, for every S3 client of the node (object storage and
 * the tus store's own). A middleware inside the SDK's retry loop, so each failed try counts
 * (a 503 SlowDown retried twice is two errors). 404 answers (NoSuchKey, NotFound, NoSuchUpload)
 * are how the farm asks whether something exists, and a request we aborted (a job that lost
 * its lease) is not S3's fault: neither counts.
 */
import type { S3Client } from "@aws-sdk/client-s3";

type Instrumentable = Pick<S3Client, "middlewareStack">;

export function countS3Errors(client: Instrumentable, onError: (operation: string) => void): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status !== 404 && (err as Error)?.name !== "AbortError") {
          onError(String(context.commandName ?? "unknown").replace(/Command$/, ""));
        }
        throw err;
      }
    },
    { step: "finalizeRequest", priority: "low", name: "movioS3ErrorMetrics" },
  );
}
