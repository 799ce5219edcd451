/**
 * A track is reported `ready` only once playback lists it: between a translation (or an
 * upload) being stored and its publish_subtitles switch, the API says `publishing`, and at
 * every observation the track's status and GET …/playback agree.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callJson, db, type ErrorJson, markReady } from "./helpers.ts";
import { insertTrack, ownerWithVideo, putSubtitle, SRT, type TrackJson } from "./subtitle-helpers.ts";

interface PlaybackJson {
  subtitles: { lang: string | null; url: string }[];
}

/** Makes the video playable with its base manifests (no subtitles published yet). */
async function publishMedia(videoId: string) {
  await markReady(videoId);
  await db(sql`update videos set storage_prefix = ${`media/${videoId}/1-abcdef12/`},
    media = ${JSON.stringify({ dash: "manifest.mpd", hls: "master.m3u8", poster: null, storyboard: null })}::jsonb
    where id = ${videoId}`);
}

/** What the farm's publish_subtitles switch writes: the video's ready tracks in its manifests. */
async function switchPublished(videoId: string) {
  await db(sql`update videos set subtitles_version = subtitles_version + 1,
    media = media || jsonb_build_object('subtitles', (
      select coalesce(jsonb_agg(jsonb_build_object('trackId', t.id, 'lang', t.language, 'label', t.label,
        'kind', t.kind, 'origin', t.origin, 'isDefault', t.is_default, 'file', 'subs-' || t.id || '.vtt')), '[]'::jsonb)
      from subtitle_tracks t where t.video_id = ${videoId} and t.status = 'ready'))
    where id = ${videoId}`);
}

/** The track's status in the video's JSON and the track list, and whether playback lists it. */
async function observe(videoId: string, lang: string, token?: string) {
  const video = await callJson<{ subtitles: TrackJson[] }>("GET", `/api/v1/videos/${videoId}`, { token });
  const list = await callJson<{ items: TrackJson[] }>("GET", `/api/v1/videos/${videoId}/subtitles`, {
    token,
  });
  const playback = await callJson<PlaybackJson>("GET", `/api/v1/videos/${videoId}/playback`, { token });
  const inVideo = video.body.subtitles.find((t) => t.lang === lang)?.status;
  const inList = list.body.items.find((t) => t.lang === lang)?.status;
  expect(inVideo).toBe(inList);
  return { status: inVideo, listed: playback.body.subtitles.some((s) => s.lang === lang) };
}

describe("subtitle status and playback agree", () => {
  it("a finished translation is `publishing` until its publish lists it in playback, then `ready`", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await publishMedia(videoId);
    const source = (await putSubtitle(owner.accessToken, videoId, "en", SRT)).body;
    await switchPublished(videoId);
    expect(await observe(videoId, "en")).toEqual({ status: "ready", listed: true });

    // The translation job is under way, then stores its track (ready) and queues a publish.
    const machine = await insertTrack(videoId, { lang: "fr", origin: "machine", status: "pending" });
    expect(await observe(videoId, "fr")).toEqual({ status: "pending", listed: false });
    await db(
      sql`update subtitle_tracks set status = 'ready', source_track_id = ${source.id} where id = ${machine}`,
    );
    expect(await observe(videoId, "fr")).toEqual({ status: "publishing", listed: false });
    // The single track read says so too.
    const one = await callJson<{ track: TrackJson }>("GET", `/api/v1/videos/${videoId}/subtitles/fr`);
    expect(one.body.track.status).toBe("publishing");

    await switchPublished(videoId);
    expect(await observe(videoId, "fr")).toEqual({ status: "ready", listed: true });
    expect(await observe(videoId, "en")).toEqual({ status: "ready", listed: true });
  });

  it("an upload to a playable video answers `publishing`; its cues can still be fixed meanwhile", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await publishMedia(videoId);
    const put = await putSubtitle(owner.accessToken, videoId, "it", SRT);
    expect(put.status).toBe(201);
    expect(put.body.status).toBe("publishing");
    expect(await observe(videoId, "it", owner.accessToken)).toEqual({ status: "publishing", listed: false });
    const edit = await callJson<{ track: TrackJson }>(
      "PATCH",
      `/api/v1/videos/${videoId}/subtitles/it/cues`,
      {
        token: owner.accessToken,
        body: { remove: [0] },
      },
    );
    expect(edit.status).toBe(200);
    expect(edit.body.track.status).toBe("publishing");
    await switchPublished(videoId);
    expect(await observe(videoId, "it", owner.accessToken)).toEqual({ status: "ready", listed: true });
  });

  it("a video that is not playable yet keeps the stored status (playback lists nothing to disagree with)", async () => {
    const { owner, videoId } = await ownerWithVideo("public", false);
    const put = await putSubtitle(owner.accessToken, videoId, "de", SRT);
    expect(put.body.status).toBe("ready");
    const playback = await callJson<ErrorJson>("GET", `/api/v1/videos/${videoId}/playback`, {
      token: owner.accessToken,
    });
    expect(playback.body.error.code).toBe("video_not_ready");
  });

  it("someone else's private video: its tracks stay hidden (404), whatever their status", async () => {
    const { owner, other, videoId } = await ownerWithVideo("private");
    await publishMedia(videoId);
    await putSubtitle(owner.accessToken, videoId, "en", SRT);
    const res = await callJson<ErrorJson>("GET", `/api/v1/videos/${videoId}/subtitles`, {
      token: other.accessToken,
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });
});
