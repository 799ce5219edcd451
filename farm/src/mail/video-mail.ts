/**
 * The opt-in "your video is ready / has failed" mail (users.video_mail, set on /account):
 * queued as a send_email job in the transaction that publishes or fails the video, so it
 * exists exactly when that change committed — never for a deleted video or account.
 */
import type pg from "pg";
import { enqueueQuery } from "../../../shared/jobs/enqueue.ts";

export type VideoMailOutcome = "video_ready" | "video_failed";

/** Where the mail's link points: the watch page of a ready video, the studio for a failed one. */
export interface VideoMailSettings {
  /** The edge's public address (PUBLIC_BASE_URL), e.g. https://movio.example. */
  publicBaseUrl: string;
}

export async function queueVideoMail(
  client: pg.PoolClient,
  settings: VideoMailSettings,
  videoId: string,
  outcome: VideoMailOutcome,
): Promise<void> {
  const { rows } = await client.query<{
    email: string;
    display_name: string;
    title: string;
    error_message: string | null;
  }>(
    `select u.email, u.display_name, v.title, v.error_message
     from videos v join users u on u.id = v.owner_id
     where v.id = $1 and v.deleted_at is null and u.video_mail and u.deleted_at is null`,
    [videoId],
  );
  const row = rows[0];
  if (!row) return;
  const base = settings.publicBaseUrl.replace(/\/+$/, "");
  const data: Record<string, string> = {
    link: outcome === "video_ready" ? `${base}/watch/${videoId}` : `${base}/studio`,
    displayName: row.display_name,
    title: row.title.slice(0, 300),
  };
  if (outcome === "video_failed")
    data.reason = (row.error_message ?? "").slice(0, 500) || "an error occurred";
  await client.query(
    enqueueQuery({ type: "send_email", videoId: null, payload: { template: outcome, to: row.email, data } }),
  );
}
