/**
 * Webhooks (`/api/v1/webhooks`): a user's endpoints, their signing secrets (shown once) and
 * the record of every delivery. Messages follow Standard Webhooks (https://www.standardwebhooks.com).
 */
import { z } from "@hono/zod-openapi";
import { WEBHOOK_EVENTS } from "../webhooks/events.ts";
import { storableText, UUID_PATTERN } from "./common.ts";

const dateTime = () => z.string().openapi({ format: "date-time" });
const WebhookEvent = z.enum(WEBHOOK_EVENTS);

export const CreateWebhookBody = z
  .strictObject({
    url: z
      .string()
      .min(1)
      .max(2000)
      .openapi({
        example: "https://hooks.example.com/movio",
        description:
          "http(s); loopback, private, link-local and cloud-metadata hosts are refused (unless the " +
          "deployment sets WEBHOOK_ALLOW_PRIVATE), at creation and again at every delivery",
      }),
    events: z
      .array(WebhookEvent)
      .min(1)
      .max(WEBHOOK_EVENTS.length)
      .refine((events) => new Set(events).size === events.length, "list each event once"),
    description: storableText(z.string().max(200)).optional(),
  })
  .openapi("CreateWebhookRequest");

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(WebhookEvent),
    description: z.string(),
    status: z.enum(["active", "disabled"]),
    disabledAt: dateTime().nullable(),
    disabledReason: z.string().nullable().openapi({
      description: "Why it was disabled: every delivery failed for 24 hours",
    }),
    failingSince: dateTime().nullable().openapi({ description: "Start of the current run of failures" }),
    lastSuccessAt: dateTime().nullable(),
    createdAt: dateTime(),
    updatedAt: dateTime(),
  })
  .openapi("Webhook");

export const WebhookWithSecretSchema = z
  .object({
    webhook: WebhookSchema,
    secret: z.string().openapi({
      example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      description: "Shown this once: verify deliveries with it (any Standard Webhooks library)",
    }),
    previousSecretExpiresAt: dateTime().nullable().openapi({
      description: "After a rotation, deliveries carry the old secret's signature too until then",
    }),
  })
  .openapi("WebhookWithSecret");

export const WebhookListSchema = z.object({ items: z.array(WebhookSchema) }).openapi("WebhookList");

export const DeliveryIdParam = z.object({
  id: z
    .string()
    .regex(UUID_PATTERN)
    .openapi({ param: { name: "id", in: "path" } }),
  deliveryId: z
    .string()
    .regex(UUID_PATTERN)
    .openapi({ param: { name: "deliveryId", in: "path" } }),
});

export const DeliverySchema = z
  .object({
    id: z.string(),
    messageId: z.string().openapi({ description: "The `webhook-id` header: the same on every retry" }),
    event: WebhookEvent,
    videoId: z.string().nullable(),
    state: z.enum(["pending", "succeeded", "failed"]),
    attempts: z.number().int(),
    payload: z.unknown().openapi({ description: "The JSON body that was signed and sent" }),
    retryUntil: dateTime(),
    lastAttemptAt: dateTime().nullable(),
    deliveredAt: dateTime().nullable(),
    createdAt: dateTime(),
    attemptLog: z.array(
      z.object({
        attemptedAt: dateTime(),
        durationMs: z.number().int(),
        statusCode: z.number().int().nullable(),
        succeeded: z.boolean(),
        error: z.string().nullable(),
        responseBody: z.string().nullable().openapi({ description: "The first KiB of the response" }),
      }),
    ),
  })
  .openapi("WebhookDelivery");

export const DeliveryListSchema = z
  .object({ items: z.array(DeliverySchema), nextCursor: z.string().nullable() })
  .openapi("WebhookDeliveryList");
