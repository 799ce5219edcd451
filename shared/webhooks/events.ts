/** The webhook events a user can subscribe to (stable names: receivers switch on them). */
export const WEBHOOK_EVENTS = [
  "video.playable",
  "video.ready",
  "video.failed",
  "video.deleted",
  "subtitles.ready",
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
