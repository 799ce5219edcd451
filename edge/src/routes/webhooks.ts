/**
 * Webhooks: a user's endpoints, signing secrets (shown once, rotatable), the delivery log and
 * redelivery. Deliveries are Standard Webhooks messages sent by the farm.
 */
import { createRoute } from "@hono/zod-openapi";
import { errorResponses, IdParam } from "../../../shared/api/common.ts";
import { PageQuery } from "../../../shared/api/page-query.ts";
import {
  CreateWebhookBody,
  DeliveryIdParam,
  DeliveryListSchema,
  DeliverySchema,
  WebhookListSchema,
  WebhookSchema,
  WebhookWithSecretSchema,
} from "../../../shared/api/webhooks.ts";
import { requireViewer } from "../http/authenticate.ts";
import { createRouter } from "../http/openapi-app.ts";
import { bearer, json, ok } from "../http/openapi-helpers.ts";
import { requireVerifiedEmail } from "../http/verified-email.ts";

const tags = ["webhooks"];

export const webhookRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/webhooks",
      tags,
      security: bearer,
      summary: "Add a webhook endpoint; its signing secret is in this answer only",
      description:
        "Events: `video.playable`, `video.ready`, `video.failed`, `video.deleted`, `subtitles.ready` (for your videos). Each " +
        "delivery is a POST with `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 " +
        "HMAC-SHA256 of id.timestamp.body>` keyed with the secret's base64 part (Standard Webhooks), " +
        "retried with backoff for 24 hours; an endpoint failing for 24 hours is disabled. 400 for a URL " +
        "naming a loopback, private, link-local or metadata host; 429 `quota_exceeded` past 20 endpoints; " +
        "403 `email_unverified` while SIGNUP_REQUIRES_VERIFIED_EMAIL is on and the address is not verified.",
      request: { body: json(CreateWebhookBody) },
      responses: {
        201: ok("Created", WebhookWithSecretSchema),
        ...errorResponses(400, 401, 403, 413, 415, 429),
      },
    }),
    async (c) => {
      const viewer = requireViewer(c);
      await requireVerifiedEmail(c, viewer);
      return c.json(await c.var.services.webhooks.create(viewer, c.req.valid("json")), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/v1/webhooks",
      tags,
      security: bearer,
      summary: "Your webhook endpoints (secrets are never shown again)",
      responses: { 200: ok("Endpoints", WebhookListSchema), ...errorResponses(401) },
    }),
    async (c) => c.json({ items: await c.var.services.webhooks.list(requireViewer(c)) }, 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/v1/webhooks/{id}",
      tags,
      security: bearer,
      summary: "One endpoint, with whether it is disabled and why",
      request: { params: IdParam },
      responses: { 200: ok("The endpoint", WebhookSchema), ...errorResponses(400, 401, 404) },
    }),
    async (c) => c.json(await c.var.services.webhooks.get(requireViewer(c), c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/webhooks/{id}",
      tags,
      security: bearer,
      summary: "Delete an endpoint and its delivery log (pending retries stop)",
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      await c.var.services.webhooks.remove(requireViewer(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/webhooks/{id}/rotate-secret",
      tags,
      security: bearer,
      summary: "A new signing secret (shown once); the old one keeps signing beside it for 24 hours",
      request: { params: IdParam },
      responses: { 200: ok("The new secret", WebhookWithSecretSchema), ...errorResponses(400, 401, 404) },
    }),
    async (c) =>
      c.json(await c.var.services.webhooks.rotateSecret(requireViewer(c), c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/webhooks/{id}/enable",
      tags,
      security: bearer,
      summary: "Re-enable an endpoint that was disabled after failing for 24 hours",
      request: { params: IdParam },
      responses: { 200: ok("The endpoint, active", WebhookSchema), ...errorResponses(400, 401, 404) },
    }),
    async (c) => c.json(await c.var.services.webhooks.enable(requireViewer(c), c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/v1/webhooks/{id}/deliveries",
      tags,
      security: bearer,
      summary: "Deliveries to this endpoint, newest first, each with every attempt",
      request: { params: IdParam, query: PageQuery },
      responses: { 200: ok("A page of deliveries", DeliveryListSchema), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      return c.json(
        await c.var.services.webhooks.deliveries(requireViewer(c), c.req.valid("param").id, limit, cursor),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver",
      tags,
      security: bearer,
      summary: "Send a delivery again (same webhook-id), retried for 24 hours like a new one",
      description: "409 while the endpoint is disabled.",
      request: { params: DeliveryIdParam },
      responses: { 202: ok("Queued", DeliverySchema), ...errorResponses(400, 401, 404, 409) },
    }),
    async (c) => {
      const { id, deliveryId } = c.req.valid("param");
      return c.json(await c.var.services.webhooks.redeliver(requireViewer(c), id, deliveryId), 202);
    },
  );
