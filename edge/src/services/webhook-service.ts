/**
 * A user's webhook endpoints: create (the URL checked against SSRF rules, the secret made
 * and shown once), list, delete, rotate the secret, re-enable a disabled one, and the record
 * of deliveries with redelivery on request. The farm delivers (farm/src/webhooks/). Every
 * query names the owner: someone else's endpoint is 404, never 403.
 */
import type { z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { CreateWebhookBody, DeliverySchema, WebhookSchema } from "../../../shared/api/webhooks.ts";
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import { enqueueStatement } from "../../../shared/jobs/enqueue.ts";
import { checkWebhookUrl } from "../../../shared/webhooks/address-policy.ts";
import type { WebhookEvent } from "../../../shared/webhooks/events.ts";
import { newWebhookSecret } from "../../../shared/webhooks/secret.ts";
import type { Database } from "../db/request-db.ts";
import { iso, isoOrNull } from "./admin-queries.ts";
import type { Viewer } from "./video-access.ts";
import { decodeCursor, encodeCursor } from "./video-cursor.ts";

type Webhook = z.output<typeof WebhookSchema>;
type Delivery = z.output<typeof DeliverySchema>;

/** Endpoints one user may have. */
export const MAX_WEBHOOKS_PER_USER = 20;
/** After a rotation the old secret keeps signing (beside the new one) this long. */
const PREVIOUS_SECRET_HOURS = 24;
/** A redelivery is retried like a new message: for this long. */
const REDELIVERY_WINDOW_HOURS = 24;

type EndpointRow = {
  id: string;
  url: string;
  events: WebhookEvent[];
  description: string;
  disabled_at: string | null;
  disabled_reason: string | null;
  failing_since: string | null;
  last_success_at: string | null;
  created_at: string;
  updated_at: string;
  previous_secret_expires_at?: string | null;
};

const endpointColumns = sql`id, url, events, description, disabled_at, disabled_reason, failing_since,
  last_success_at, created_at, updated_at, previous_secret_expires_at`;

function toWebhook(row: EndpointRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    status: row.disabled_at ? "disabled" : "active",
    disabledAt: isoOrNull(row.disabled_at),
    disabledReason: row.disabled_reason,
    failingSince: isoOrNull(row.failing_since),
    lastSuccessAt: isoOrNull(row.last_success_at),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export class WebhookService {
  constructor(
    private readonly db: Database,
    private readonly config: EdgeConfig,
  ) {}

  async create(owner: Viewer, input: z.output<typeof CreateWebhookBody>) {
    const verdict = checkWebhookUrl(input.url, this.config.WEBHOOK_ALLOW_PRIVATE);
    if (!verdict.ok) {
      throw new ApiError("validation_failed", `invalid body: url: ${verdict.reason}`, {
        details: [{ path: "url", message: verdict.reason }],
      });
    }
    const secret = newWebhookSecret();
    const { rows } = await this.db.execute<EndpointRow>(sql`
      insert into webhook_endpoints (user_id, url, events, description, secret)
      select ${owner.id}::uuid, ${verdict.url.href}, ${sql.param(input.events)}::text[], ${input.description ?? ""},
             ${secret}
      where (select count(*) from webhook_endpoints where user_id = ${owner.id}::uuid) < ${MAX_WEBHOOKS_PER_USER}
      returning ${endpointColumns}`);
    const row = rows[0];
    if (!row) {
      throw new ApiError(
        "quota_exceeded",
        `you already have ${MAX_WEBHOOKS_PER_USER} webhooks: delete one first`,
        {
          details: { limit: MAX_WEBHOOKS_PER_USER },
        },
      );
    }
    return { webhook: toWebhook(row), secret, previousSecretExpiresAt: null };
  }

  async list(owner: Viewer): Promise<Webhook[]> {
    const { rows } = await this.db.execute<EndpointRow>(
      sql`select ${endpointColumns} from webhook_endpoints where user_id = ${owner.id} order by created_at, id`,
    );
    return rows.map(toWebhook);
  }

  async get(owner: Viewer, id: string): Promise<Webhook> {
    return toWebhook(await this.owned(owner, id));
  }

  async remove(owner: Viewer, id: string): Promise<void> {
    const { rows } = await this.db.execute(
      sql`delete from webhook_endpoints where id = ${id} and user_id = ${owner.id} returning id`,
    );
    if (rows.length === 0) throw notFound();
  }

  /** A new secret, shown once; the old one keeps signing beside it for a day. */
  async rotateSecret(owner: Viewer, id: string) {
    const secret = newWebhookSecret();
    const { rows } = await this.db.execute<EndpointRow>(sql`
      update webhook_endpoints set previous_secret = secret, secret = ${secret}, updated_at = now(),
             previous_secret_expires_at = now() + make_interval(hours => ${PREVIOUS_SECRET_HOURS})
      where id = ${id} and user_id = ${owner.id}
      returning ${endpointColumns}`);
    const row = rows[0];
    if (!row) throw notFound();
    return {
      webhook: toWebhook(row),
      secret,
      previousSecretExpiresAt: isoOrNull(row.previous_secret_expires_at),
    };
  }

  /** A disabled endpoint takes deliveries again (its failing streak starts afresh). */
  async enable(owner: Viewer, id: string): Promise<Webhook> {
    const { rows } = await this.db.execute<EndpointRow>(sql`
      update webhook_endpoints set disabled_at = null, disabled_reason = null, failing_since = null, updated_at = now()
      where id = ${id} and user_id = ${owner.id}
      returning ${endpointColumns}`);
    const row = rows[0];
    if (!row) throw notFound();
    return toWebhook(row);
  }

  /** Deliveries newest first, each with every attempt. */
  async deliveries(owner: Viewer, id: string, limit: number, cursor: string | undefined) {
    await this.owned(owner, id);
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const { rows } = await this.db.execute<DeliveryRow & { cursor_at: string }>(sql`
      ${deliverySelect} where d.endpoint_id = ${id}
        ${after ? sql`and (d.created_at, d.id) < (${after.at}::timestamptz, ${after.id}::uuid)` : sql``}
      order by d.created_at desc, d.id desc limit ${limit + 1}`);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toDelivery),
      nextCursor: rows.length > limit && last ? encodeCursor({ at: last.cursor_at, id: last.id }) : null,
    };
  }

  /**
   * Sends a delivery again (same message id, so receivers can tell), retried like a new one
   * for 24 hours; a retry already waiting is brought forward instead of doubled.
   */
  async redeliver(owner: Viewer, id: string, deliveryId: string): Promise<Delivery> {
    const endpoint = await this.owned(owner, id);
    if (endpoint.disabled_at) {
      throw new ApiError("conflict", "the webhook is disabled: enable it first (POST …/enable)", {
        details: { status: "disabled" },
      });
    }
    const { rows } = await this.db.execute<{ video_id: string | null }>(
      sql`select video_id from webhook_deliveries where id = ${deliveryId} and endpoint_id = ${id}`,
    );
    const found = rows[0];
    if (!found) throw new ApiError("not_found", "no such delivery");
    const activeKey = `deliver_webhook:${deliveryId}`;
    await this.db.batch([
      this.db.execute(sql`update webhook_deliveries set state = 'pending',
        retry_until = greatest(retry_until, now() + make_interval(hours => ${REDELIVERY_WINDOW_HOURS}))
        where id = ${deliveryId}`),
      this.db.execute(
        enqueueStatement({ type: "deliver_webhook", videoId: found.video_id, payload: { deliveryId } }),
      ),
      this.db.execute(sql`update jobs set run_at = now(), updated_at = now()
        where active_key = ${activeKey} and state = 'queued' and run_at > now()`),
    ]);
    const { rows: delivered } = await this.db.execute<DeliveryRow>(
      sql`${deliverySelect} where d.id = ${deliveryId}`,
    );
    return toDelivery(delivered[0] as DeliveryRow);
  }

  private async owned(owner: Viewer, id: string): Promise<EndpointRow> {
    const { rows } = await this.db.execute<EndpointRow>(
      sql`select ${endpointColumns} from webhook_endpoints where id = ${id} and user_id = ${owner.id}`,
    );
    const row = rows[0];
    if (!row) throw notFound();
    return row;
  }
}

type DeliveryRow = {
  id: string;
  message_id: string;
  event: WebhookEvent;
  video_id: string | null;
  state: Delivery["state"];
  attempts: number;
  body: string;
  retry_until: string;
  last_attempt_at: string | null;
  delivered_at: string | null;
  created_at: string;
  attempt_log: {
    attemptedAt: string;
    durationMs: number;
    statusCode: number | null;
    succeeded: boolean;
    error: string | null;
    responseBody: string | null;
  }[];
};

const deliverySelect = sql`select d.id, d.message_id, d.event, d.video_id, d.state, d.attempts, d.body,
  d.retry_until, d.last_attempt_at, d.delivered_at, d.created_at, d.created_at::text as cursor_at,
  coalesce((select json_agg(json_build_object('attemptedAt', a.attempted_at, 'durationMs', a.duration_ms,
      'statusCode', a.status_code, 'succeeded', a.succeeded, 'error', a.error, 'responseBody', a.response_body)
      order by a.id)
    from webhook_attempts a where a.delivery_id = d.id), '[]'::json) as attempt_log
  from webhook_deliveries d`;

function toDelivery(row: DeliveryRow): Delivery {
  let payload: unknown = row.body;
  try {
    payload = JSON.parse(row.body);
  } catch {
    // shown as the text it was
  }
  return {
    id: row.id,
    messageId: row.message_id,
    event: row.event,
    videoId: row.video_id,
    state: row.state,
    attempts: row.attempts,
    payload,
    retryUntil: iso(row.retry_until),
    lastAttemptAt: isoOrNull(row.last_attempt_at),
    deliveredAt: isoOrNull(row.delivered_at),
    createdAt: iso(row.created_at),
    attemptLog: row.attempt_log.map((a) => ({ ...a, attemptedAt: iso(a.attemptedAt) })),
  };
}

function notFound(): ApiError {
  return new ApiError("not_found", "no such webhook");
}
