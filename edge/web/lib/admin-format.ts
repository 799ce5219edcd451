/** Small formatting for the jobs console: ages, durations, state badges. */
import type { z } from "@hono/zod-openapi";
import type {
  AdminActionSchema,
  JobDetailSchema,
  JobSummarySchema,
  NodeSchema,
  StatsSchema,
} from "../../../shared/api/admin.ts";
import { h } from "./dom.ts";

export type Job = z.output<typeof JobSummarySchema>;
export type JobDetail = z.output<typeof JobDetailSchema>;
export type FarmNode = z.output<typeof NodeSchema>;
export type AdminAction = z.output<typeof AdminActionSchema>;
export type Stats = z.output<typeof StatsSchema>;

/** 4_200 → "4.2 s", 185_000 → "3 min 5 s", 7_500_000 → "2 h 5 min". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours} h ${m % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** "12 s ago", "in 3 s" for a time in the future (a retry's run time). */
export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return "—";
  const delta = now - Date.parse(iso);
  const s = Math.abs(delta) / 1000;
  if (s < 1) return "now";
  const text =
    s < 60
      ? `${Math.round(s)} s`
      : s < 3600
        ? `${Math.floor(s / 60)} min`
        : s < 172_800
          ? `${Math.floor(s / 3600)} h`
          : `${Math.floor(s / 86_400)} d`;
  return delta > 0 ? `${text} ago` : `in ${text}`;
}

/** A readable local date and time, for titles and the detail view. */
export function stamp(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : "—";
}

export function badge(state: string, text = state): HTMLSpanElement {
  return h("span", { class: `badge state-${state}` }, text);
}

/** What a job's state means right now, for people. */
export function stateText(job: Job): string {
  if (job.state === "running" && job.cancelRequestedAt) return "cancelling";
  if (job.state === "queued" && Date.parse(job.runAt) > Date.now() + 1000) return "retry waiting";
  return job.state;
}

const ACTION_WORDS: Record<AdminAction["action"], string> = {
  "job.retry": "retried",
  "job.cancel": "cancelled",
  "video.reprocess": "re-processed",
};

export function actionText(action: AdminAction): string {
  const type = typeof action.detail.type === "string" ? ` (${action.detail.type})` : "";
  if (action.action === "video.reprocess") {
    return `${action.actor.email} re-processed video ${action.videoId?.slice(0, 8) ?? ""}…`;
  }
  return `${action.actor.email} ${ACTION_WORDS[action.action]} job #${action.jobId}${type}`;
}
