/** Helpers shared by the search tests. */
import { callJson, createVideo, markReady, signUp } from "./helpers.ts";

export interface Match {
  field: string;
  snippet: string;
  startMs?: number;
  endMs?: number;
  lang?: string | null;
}
export interface Hit {
  video: {
    id: string;
    title: string;
    durationMs: number | null;
    posterUrl: string | null;
    ownerDisplayName: string;
  };
  matches: Match[];
}
export interface SearchJson {
  hits: Hit[];
  nextCursor: string | null;
  tookMs: number;
}

/** A word no other test uses: every query includes it, so tests sharing the database never see each other. */
export const uniqueWord = () =>
  Array.from({ length: 10 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");

export const search = (query: string) => callJson<SearchJson>("GET", `/api/v1/search?${query}`);
export const q = (text: string, extra = "") => search(`q=${encodeURIComponent(text)}${extra}`);
export const ids = (res: { body: SearchJson }) => res.body.hits.map((h) => h.video.id);

let owner: Awaited<ReturnType<typeof signUp>> | undefined;
let created = 0;
/** A public video (ready unless told otherwise); a new owner every 20, under the creation rate limit. */
export async function video(body: Record<string, unknown>, ready = true): Promise<string> {
  if (!owner || created++ % 20 === 19) owner = await signUp({ displayName: "Ada Search" });
  const { video } = await createVideo(owner.accessToken, { visibility: "public", ...body });
  if (ready) await markReady(video.id);
  return video.id;
}
