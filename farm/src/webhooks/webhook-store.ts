/**
 * The farm's webhook bookkeeping in Postgres: turning an event into deliveries (one per
 * subscribed endpoint, each with its own `deliver_webhook` job), reading a delivery with its
 * endpoint, and recording every attempt — which also tracks how long the endpoint has been
 * failing and disables it once that passes the retry window.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { WebhookEvent } from "../../../shared/webhooks/events.ts";
import { enqueueJob } from "../queue/job-queue.ts";
import type { PostResult } from "./webhook-http.ts";

export interface DeliveryTarget {
  id: string;
  endpointId: string;
  messageId: string;
  body: string;
  state: "pending" | "succeeded" | "failed";
  url: string;
  secrets: string[];
  disabled: boolean;
}

interface EventVideo {
  owner_id: string;
  title: string;
  visibility: string;
  status: string;
  duration_ms: number | null;
  error_code: string | null;
  error_message: string | null;
}

/** Postgres text cannot hold NUL; a response body may. */
const storable = (text: string | undefined | null) =>
  text == null ? null : text.replaceAll("\u0000", "\uFFFD");

export class WebhookStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly windowS: number,
  ) {}

  /**
   * In the caller's transaction: one delivery per enabled endpoint of the video's owner that
   * wants `event`, all with one message id (receivers deduplicate on it), each queued.
   * Returns how many.
   */
  async fanOut(
    client: pg.PoolClient,
    videoId: string,
    event: WebhookEvent,
    occurredAt: string,
    extra: Record<string, unknown> | undefined,
  ): Promise<number> {
    const { rows: videos } = await client.query<EventVideo>(
      `select owner_id, title, visibility, status, duration_ms, error_code, error_message
       from videos where id = $1`,
      [videoId],
    );
    const video = videos[0];
    if (!video) return 0;
    const { rows: endpoints } = await client.query<{ id: string }>(
      `select id from webhook_endpoints
       where user_id = $1 and disabled_at is null and $2::text = any(events) order by created_at`,
      [video.owner_id, event],
    );
    if (endpoints.length === 0) return 0;
    const body = JSON.stringify({
      type: event,
      timestamp: occurredAt,
      data: eventData(videoId, event, video, extra),
    });
    const messageId = `msg_${randomUUID().replaceAll("-", "")}`;
    for (const endpoint of endpoints) {
      const { rows } = await client.query<{ id: string }>(
        `insert into webhook_deliveries (endpoint_id, message_id, event, video_id, body, retry_until)
         values ($1, $2, $3, $4, $5, $6::timestamptz + ($7 || ' seconds')::interval) returning id`,
        [endpoint.id, messageId, event, videoId, body, occurredAt, String(this.windowS)],
      );
      await enqueueJob(client, {
        type: "deliver_webhook",
        videoId,
        payload: { deliveryId: (rows[0] as { id: string }).id },
      });
    }
    return endpoints.length;
  }

  async delivery(id: string): Promise<DeliveryTarget | undefined> {
    const { rows } = await this.pool.query<{
      id: string;
      endpoint_id: string;
      message_id: string;
      body: string;
      state: DeliveryTarget["state"];
      url: string;
      secret: string;
      previous_secret: string | null;
      disabled: boolean;
    }>(
      `select d.id, d.endpoint_id, d.message_id, d.body, d.state, e.url, e.secret,
              case when e.previous_secret_expires_at > now() then e.previous_secret end as previous_secret,
              e.disabled_at is not null as disabled
       from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id
       where d.id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      id: row.id,
      endpointId: row.endpoint_id,
      messageId: row.message_id,
      body: row.body,
      state: row.state,
      url: row.url,
      secrets: row.previous_secret ? [row.secret, row.previous_secret] : [row.secret],
      disabled: row.disabled,
    };
  }

  /**
   * Records one attempt and its consequences in one statement: the delivery's state
   * (succeeded; failed once its window has passed or its endpoint is disabled; else still
   * pending) and the endpoint's failing streak, which disables it past the window.
   */
  async recordAttempt(
    delivery: DeliveryTarget,
    result: PostResult,
  ): Promise<{ state: DeliveryTarget["state"]; disabled: boolean }> {
    const reason = result.error ?? `HTTP ${result.status}`;
    const { rows } = await this.pool.query<{ state: DeliveryTarget["state"]; disabled: boolean }>(
      `with attempt as (
         insert into webhook_attempts (delivery_id, duration_ms, status_code, succeeded, error, response_body)
         values ($1, $3, $4, $5, $6, $7)
       ), endpoint as (
         update webhook_endpoints set
           failing_since = case when $5 then null else coalesce(failing_since, now()) end,
           last_success_at = case when $5 then now() else last_success_at end,
           disabled_at = case when not $5 and disabled_at is null
             and coalesce(failing_since, now()) <= now() - ($8 || ' seconds')::interval then now() else disabled_at end,
           disabled_reason = case when not $5 and disabled_at is null
             and coalesce(failing_since, now()) <= now() - ($8 || ' seconds')::interval
             then 'every delivery failed for ' || $9::text || ' (last: ' || $10::text || ')' else disabled_reason end,
           updated_at = now()
         where id = $2
         returning disabled_at is not null as disabled
       ), delivery as (
         update webhook_deliveries set attempts = attempts + 1, last_attempt_at = now(),
           state = case when $5 then 'succeeded'
                        when now() >= retry_until or coalesce((select disabled from endpoint), true) then 'failed'
                        else 'pending' end,
           delivered_at = case when $5 then now() else delivered_at end
         where id = $1
         returning state
       )
       select (select state from delivery) as state, coalesce((select disabled from endpoint), true) as disabled`,
      [
        delivery.id,
        delivery.endpointId,
        result.durationMs,
        result.status ?? null,
        result.ok,
        storable(result.ok ? null : reason.slice(0, 1000)),
        storable(result.body ?? null),
        String(this.windowS),
        describeWindow(this.windowS),
        reason.slice(0, 200),
      ],
    );
    const row = rows[0];
    return { state: row?.state ?? "failed", disabled: row?.disabled ?? true };
  }

  /** A delivery that will not be tried again (its endpoint was disabled meanwhile). */
  async markFailed(id: string): Promise<void> {
    await this.pool.query(
      "update webhook_deliveries set state = 'failed' where id = $1 and state = 'pending'",
      [id],
    );
  }

  /** Settled deliveries (and their attempts) older than `days`; returns how many. */
  async deleteOld(days: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `delete from webhook_deliveries
       where state <> 'pending' and created_at < now() - ($1 || ' days')::interval`,
      [String(days)],
    );
    return rowCount ?? 0;
  }
}

function eventData(
  videoId: string,
  event: WebhookEvent,
  video: EventVideo,
  extra: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const status = event === "video.deleted" ? "deleted" : event === "video.failed" ? "failed" : video.status;
  return {
    videoId,
    title: video.title,
    visibility: video.visibility,
    status,
    ...(event === "video.ready" || event === "video.playable" ? { durationMs: video.duration_ms } : {}),
    ...(event === "video.failed"
      ? { error: { code: video.error_code ?? "transcode_failed", message: video.error_message ?? "" } }
      : {}),
    ...extra,
  };
}

export function describeWindow(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? "" : "s"}`;
  if (seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? "" : "s"}`;
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}
