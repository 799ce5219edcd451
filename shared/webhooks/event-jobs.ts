/**
 * Queues a webhook event for the farm (job `webhook_event`) in the transaction of the change
 * it reports — a video published, failed, deleted, subtitles published — so the event exists
 * exactly when the change committed. Nothing is queued when the video's owner has no enabled
 * endpoint for that event (most users have none; the queue should not fill with no-ops).
 */
import { type SQL, sql } from "drizzle-orm";
import { enqueueQuery, enqueueStatement } from "../jobs/enqueue.ts";
import type { WebhookEvent } from "./events.ts";

function eventJob(videoId: string, event: WebhookEvent, data?: Record<string, unknown>) {
  return {
    type: "webhook_event" as const,
    videoId,
    payload: { event, occurredAt: new Date().toISOString(), ...(data ? { data } : {}) },
  };
}

function subscribed(videoId: string, event: WebhookEvent, andAlso?: SQL): SQL {
  return sql`exists (select 1 from webhook_endpoints e join videos v on v.owner_id = e.user_id
    where v.id = ${videoId}::uuid and e.disabled_at is null and ${event}::text = any(e.events))
    ${andAlso ? sql`and ${andAlso}` : sql``}`;
}

/** For the edge (drizzle batches): `andAlso` narrows when it applies, e.g. "this batch deleted it". */
export function webhookEventStatement(
  videoId: string,
  event: WebhookEvent,
  options: { data?: Record<string, unknown>; andAlso?: SQL } = {},
): SQL {
  return enqueueStatement(eventJob(videoId, event, options.data), {
    onlyIf: subscribed(videoId, event, options.andAlso),
  });
}

/** For the farm (node-postgres): run it on the transaction's client. */
export function webhookEventQuery(
  videoId: string,
  event: WebhookEvent,
  data?: Record<string, unknown>,
): { text: string; values: unknown[] } {
  return enqueueQuery(eventJob(videoId, event, data), { onlyIf: subscribed(videoId, event) });
}
