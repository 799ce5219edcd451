/** Helpers for the subtitle API tests: uploading files, arranging tracks the farm would make, reading jobs. */
import { sql } from "drizzle-orm";
import { type CallOptions, callJson, createVideo, db, markReady, signUp } from "./helpers.ts";

export interface TrackJson {
  id: string;
  lang: string | null;
  label: string;
  kind: string;
  origin: string;
  status: string;
  error?: { code: string; message: string };
  isDefault: boolean;
  isForced: boolean;
  cueCount: number;
  sourceTrackId?: string;
}

export interface CuesJson {
  track: TrackJson;
  cues: { index: number; startMs: number; endMs: number; text: string }[];
}

export const SRT =
  "1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:03,000 --> 00:00:04,500\n<i>World</i>\n";

export function putSubtitle<T = TrackJson>(
  token: string | undefined,
  videoId: string,
  lang: string,
  file: string | Uint8Array,
  options: CallOptions & { query?: string; type?: string } = {},
) {
  const headers = { "content-type": options.type ?? "application/x-subrip", ...options.headers };
  if (options.type === "") delete (headers as Record<string, string>)["content-type"];
  return callJson<T>("PUT", `/api/v1/videos/${videoId}/subtitles/${lang}${options.query ?? ""}`, {
    ...options,
    token,
    headers,
    rawBody: file,
  });
}

/** An owner, another user, and a ready video of the owner with the given visibility. */
export async function ownerWithVideo(visibility: "public" | "unlisted" | "private" = "public", ready = true) {
  const owner = await signUp();
  const other = await signUp();
  const { video } = await createVideo(owner.accessToken, { visibility });
  if (ready) await markReady(video.id);
  return { owner, other, videoId: video.id };
}

/** A track as the farm writes it (embedded or machine), with cues. */
export async function insertTrack(
  videoId: string,
  track: {
    lang: string | null;
    origin: "embedded" | "machine" | "uploaded" | "auto";
    status?: string;
    label?: string;
  },
  cues: { startMs: number; endMs: number; text: string }[] = [],
): Promise<string> {
  const [row] = await db<{ id: string }>(sql`
    insert into subtitle_tracks (video_id, language, label, origin, status, cue_count)
    values (${videoId}, ${track.lang}, ${track.label ?? `${track.origin} ${track.lang}`}, ${track.origin},
            ${track.status ?? "ready"}, ${cues.length})
    returning id`);
  for (const [idx, cue] of cues.entries()) {
    await db(sql`insert into subtitle_cues (track_id, idx, start_ms, end_ms, text)
      values (${row!.id}, ${idx}, ${cue.startMs}, ${cue.endMs}, ${cue.text})`);
  }
  return row!.id;
}

export async function jobsOf(videoId: string, type: string) {
  return db<{ id: number; payload: Record<string, unknown>; state: string }>(
    sql`select id, payload, state from jobs where video_id = ${videoId} and type = ${type} order by id`,
  );
}

export function utf16le(text: string): Uint8Array {
  const out = [0xff, 0xfe];
  for (let i = 0; i < text.length; i++) out.push(text.charCodeAt(i) & 0xff, text.charCodeAt(i) >> 8);
  return new Uint8Array(out);
}
