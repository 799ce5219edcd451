/**
 * The two webhook jobs. `webhook_event` (queued with the change it reports) makes the
 * deliveries in one transaction fenced on its own completion, so a retried fan-out never
 * sends a message twice. `deliver_webhook` makes one signed POST; a failure is retried by the
 * job runner with the policy's backoff until the delivery's window (24 hours) ends or its
 * endpoint is disabled, then it fails for good. Every attempt is recorded either way.
 */
import type pg from "pg";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import { inTransaction } from "../db/transaction.ts";
import type { JobQueue } from "../queue/job-queue.ts";
import type { JobHandler } from "../queue/job-runner.ts";
import { PermanentJobError } from "../queue/permanent-job-error.ts";
import { postWebhook } from "./webhook-http.ts";
import { signatureHeader } from "./webhook-signature.ts";
import { describeWindow, WebhookStore } from "./webhook-store.ts";

export interface WebhookDeps {
  db: pg.Pool;
  queue: JobQueue;
  config: Pick<FarmConfig, "WEBHOOK_ALLOW_PRIVATE" | "WEBHOOK_TIMEOUT_MS" | "WEBHOOK_RETRY_WINDOW_S">;
  log: (line: string) => void;
  /** Name resolution for deliveries (tests swap it). */
  resolve?: (host: string) => Promise<{ address: string; family: number }[]>;
}

export function webhookEventHandler(deps: WebhookDeps): JobHandler<"webhook_event"> {
  const store = new WebhookStore(deps.db, deps.config.WEBHOOK_RETRY_WINDOW_S);
  return {
    async run(job) {
      const videoId = job.videoId;
      if (!videoId) return;
      let made = 0;
      const ours = await inTransaction(deps.db, async (client) => {
        if (!(await deps.queue.complete(job, client))) return false;
        made = await store.fanOut(
          client,
          videoId,
          job.payload.event,
          job.payload.occurredAt,
          job.payload.data,
        );
        return true;
      });
      if (!ours) throw new Error("the job changed before its deliveries were made; nothing was queued");
      if (made > 0) deps.log(`${job.payload.event} for video ${videoId}: ${made} webhook deliveries queued`);
    },
  };
}

export function deliverWebhookHandler(deps: WebhookDeps): JobHandler<"deliver_webhook"> {
  const store = new WebhookStore(deps.db, deps.config.WEBHOOK_RETRY_WINDOW_S);
  const window = describeWindow(deps.config.WEBHOOK_RETRY_WINDOW_S);
  return {
    async run(job, { signal }) {
      const delivery = await store.delivery(job.payload.deliveryId);
      if (!delivery || delivery.state === "succeeded") return; // endpoint deleted, or already delivered
      if (delivery.disabled) {
        await store.markFailed(delivery.id);
        throw new PermanentJobError("the endpoint is disabled");
      }
      const timestamp = Math.floor(Date.now() / 1000);
      const result = await postWebhook(
        delivery.url,
        {
          "content-type": "application/json",
          "user-agent": "Movio-Webhooks/1.0",
          "webhook-id": delivery.messageId,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": signatureHeader(
            delivery.secrets,
            delivery.messageId,
            timestamp,
            delivery.body,
          ),
        },
        delivery.body,
        {
          allowPrivate: deps.config.WEBHOOK_ALLOW_PRIVATE,
          timeoutMs: deps.config.WEBHOOK_TIMEOUT_MS,
          signal,
          ...(deps.resolve ? { resolve: deps.resolve } : {}),
        },
      );
      if (signal.aborted && !result.ok) throw signal.reason; // stopped (shutdown, lease lost): not the endpoint's fault
      const outcome = await store.recordAttempt(delivery, result);
      if (result.ok) return;
      const why = result.error ?? `the endpoint answered HTTP ${result.status}`;
      if (outcome.disabled) {
        throw new PermanentJobError(`the endpoint failed for ${window} and was disabled: ${why}`);
      }
      if (outcome.state === "failed") throw new PermanentJobError(`no success within ${window}: ${why}`);
      throw new Error(why);
    },
  };
}
