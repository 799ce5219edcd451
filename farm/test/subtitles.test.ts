/**
 * Subtitles through the farm with real ffmpeg, Postgres and S3: embedded streams become tracks
 * (text converted, bitmap listed as unsupported, a broken stream failing alone), the first
 * publish declares them in both manifests, and a publish_subtitles job re-publishes the set as
 * a new version without re-encoding.
 */

import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueQuery } from "../../shared/jobs/enqueue.ts";
import type { FarmNode } from "../src/farm-node.ts";
import { KEPT_VERSIONS } from "../src/subtitles/publish-subtitles-job.ts";
import { closeDb, db, newVideo, startNode, testS3 } from "./support/farm-env.ts";
import { fixtures } from "./support/fixtures.ts";
import { TranslateStandIn } from "./support/translate-stand-in.ts";
import { tusUpload } from "./support/tus-upload.ts";
import { waitFor } from "./support/wait-for.ts";

let farm: { node: FarmNode; url: string };
let translate: TranslateStandIn;
beforeAll(async () => {
  // Translation on, through the HTTP stand-in for AWS Translate.
  translate = await TranslateStandIn.start();
  farm = await startNode({ JOB_POLL_MS: "100", AWS_TRANSLATE_ENDPOINT: translate.url }, { work: true });
});
afterAll(async () => {
  await farm.node.close();
  await translate.close();
  await closeDb();
});

interface VideoRow {
  status: string;
  storage_prefix: string;
  subtitles_version: number;
  media: { dash: string; hls: string; subtitles: { trackId: string; lang: string; file: string }[] };
}

async function videoRow(videoId: string): Promise<VideoRow> {
  const { rows } = await db().query<VideoRow>(
    "select status, storage_prefix, subtitles_version, media from videos where id = $1",
    [videoId],
  );
  return rows[0]!;
}

async function uploadAndWaitReady(data: Buffer, translateTo: string[] = []) {
  const { videoId, token } = await newVideo();
  await db().query("update videos set translate_to = $2 where id = $1", [videoId, translateTo]);
  await tusUpload(farm.url, token, data);
  await waitFor("ready", async () => ((await videoRow(videoId)).status === "ready" ? true : undefined));
  return videoId;
}

async function tracksOf(videoId: string) {
  const { rows } = await db().query<{
    id: string;
    language: string | null;
    label: string;
    origin: string;
    status: string;
    error_code: string | null;
    is_default: boolean;
    is_forced: boolean;
    cue_count: number;
    codec: string;
  }>(
    `select id, language, label, origin, status, error_code, is_default, is_forced, cue_count, codec
     from subtitle_tracks where video_id = $1 and origin = 'embedded' order by stream_index`,
    [videoId],
  );
  return rows;
}

async function stored(key: string): Promise<string> {
  const s3 = testS3();
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: "movio", Key: key }));
    return (await object.Body?.transformToString("utf-8")) ?? "";
  } finally {
    s3.destroy();
  }
}

async function storedNames(prefix: string): Promise<string[]> {
  const s3 = testS3();
  try {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: "movio", Prefix: prefix }));
    return (page.Contents ?? []).map((c) => (c.Key ?? "").slice(prefix.length));
  } finally {
    s3.destroy();
  }
}

describe("embedded subtitles", () => {
  let videoId: string;
  beforeAll(async () => {
    videoId = await uploadAndWaitReady(fixtures.withSubtitles(), ["fr", "es"]);
  }, 120_000);

  it("turns every text stream into a ready track and lists a bitmap stream as unsupported", async () => {
    expect((await tracksOf(videoId)).map(({ id: _id, ...track }) => track)).toEqual([
      {
        language: "en",
        label: "English",
        origin: "embedded",
        status: "ready",
        error_code: null,
        is_default: true,
        is_forced: false,
        cue_count: 2,
        codec: "subrip",
      },
      {
        language: "fr",
        label: "Français (forced)",
        origin: "embedded",
        status: "ready",
        error_code: null,
        is_default: false,
        is_forced: true,
        cue_count: 1,
        codec: "ass",
      },
      {
        language: "de",
        label: "Deutsch",
        origin: "embedded",
        status: "unsupported",
        error_code: "subtitle_bitmap",
        is_default: false,
        is_forced: false,
        cue_count: 0,
        codec: "hdmv_pgs_subtitle",
      },
    ]);
    const { rows: cues } = await db().query<{
      start_ms: number;
      end_ms: number;
      text: string;
      language: string;
    }>(
      `select c.start_ms, c.end_ms, c.text, t.language from subtitle_cues c join subtitle_tracks t on t.id = c.track_id
       where t.video_id = $1 and t.origin = 'embedded' order by t.language, c.idx`,
      [videoId],
    );
    expect(cues).toEqual([
      { language: "en", start_ms: 500, end_ms: 1500, text: "Hello <i>world</i> &amp; friends" },
      { language: "en", start_ms: 2000, end_ms: 3000, text: "The keeper climbs\nthe lighthouse" },
      // ASS overrides: italic and bold kept as WebVTT tags, \N a line break, positioning gone.
      { language: "fr", start_ms: 500, end_ms: 1500, text: "<i>Bonjour</i> le <b>monde</b>\nligne deux fin" },
    ]);
  });

  it("publishes the ready tracks as WebVTT files declared in both manifests", async () => {
    const video = await videoRow(videoId);
    expect(video.subtitles_version).toBe(1);
    // Named by version and by the attempt that published them (published-names.ts).
    expect(video.media.dash).toMatch(/^manifest-v1-[0-9a-f]+\.mpd$/);
    expect(video.media.hls).toMatch(/^master-v1-[0-9a-f]+\.m3u8$/);
    expect(video.media.subtitles.map((s) => s.lang)).toEqual(["en", "fr"]);
    const mpd = await stored(`${video.storage_prefix}${video.media.dash}`);
    expect(mpd.match(/contentType="text" mimeType="text\/vtt" lang="(\w+)"/g)).toEqual([
      'contentType="text" mimeType="text/vtt" lang="en"',
      'contentType="text" mimeType="text/vtt" lang="fr"',
    ]);
    const master = await stored(`${video.storage_prefix}${video.media.hls}`);
    expect(master).toContain(
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=YES',
    );
    const english = video.media.subtitles[0]!;
    expect(await stored(`${video.storage_prefix}${english.file}`)).toBe(
      "WEBVTT\n\n00:00:00.500 --> 00:00:01.500\nHello <i>world</i> &amp; friends\n\n00:00:02.000 --> 00:00:03.000\nThe keeper climbs\nthe lighthouse\n",
    );
    const playlist = english.file.replace(/\.vtt$/, ".m3u8");
    expect(await stored(`${video.storage_prefix}${playlist}`)).toContain(`\n${english.file}\n`);
    // The base manifests (no subtitles) stay for re-publishing.
    expect(await storedNames(video.storage_prefix)).toEqual(
      expect.arrayContaining(["manifest.mpd", "master.m3u8"]),
    );
  });

  it("translates the best track into the languages asked for at creation, at its cues' times", async () => {
    const english = (await tracksOf(videoId)).find((t) => t.language === "en")!;
    const { rows: jobs } = await db().query<{ payload: { sourceTrackId: string; to: string } }>(
      "select payload from jobs where video_id = $1 and type = 'translate_subtitles' order by id",
      [videoId],
    );
    expect(jobs.map((r) => r.payload)).toEqual([
      { sourceTrackId: english.id, to: "fr" },
      { sourceTrackId: english.id, to: "es" },
    ]);
    // The translations land (from the stand-in), then publishes declare them.
    await waitFor("every job of the video settled", async () => {
      const { rowCount } = await db().query(
        "select 1 from jobs where video_id = $1 and state in ('queued', 'running')",
        [videoId],
      );
      return rowCount === 0 ? true : undefined;
    });
    const video = await videoRow(videoId);
    expect(video.media.subtitles.map((s) => s.lang).sort()).toEqual(["en", "es", "fr", "fr"]);
    const cues = async (language: string, origin: string) =>
      (
        await db().query<{ start_ms: number; end_ms: number; text: string }>(
          `select c.start_ms, c.end_ms, c.text from subtitle_cues c join subtitle_tracks t on t.id = c.track_id
           where t.video_id = $1 and t.language = $2 and t.origin = $3 order by c.idx`,
          [videoId, language, origin],
        )
      ).rows;
    const source = await cues("en", "embedded");
    for (const to of ["fr", "es"]) {
      const translated = await cues(to, "machine");
      expect(translated.map((c) => [c.start_ms, c.end_ms])).toEqual(
        source.map((c) => [c.start_ms, c.end_ms]),
      );
      expect(translated[1]!.text).toBe(`[${to}] The keeper climbs\n[${to}] the lighthouse`);
    }
    const labels = await db().query<{ label: string }>(
      "select label from subtitle_tracks where video_id = $1 and origin = 'machine' order by language",
      [videoId],
    );
    expect(labels.rows.map((r) => r.label)).toEqual([
      "Español (auto-translated)",
      "Français (auto-translated)",
    ]);
    expect(await stored(`${video.storage_prefix}${video.media.dash}`)).toMatch(/lang="es"/);
  });

  it("re-publishes a changed set as a new version, keeping the previous one for players mid-session", async () => {
    await waitFor("every job of the video settled", async () => {
      const { rowCount } = await db().query(
        "select 1 from jobs where video_id = $1 and state in ('queued', 'running')",
        [videoId],
      );
      return rowCount === 0 ? true : undefined;
    });
    const before = await videoRow(videoId);
    // An uploaded Italian track, as the edge stores it, then the job the edge queues.
    const { rows } = await db().query<{ id: string }>(
      `insert into subtitle_tracks (video_id, language, label, origin, status, cue_count)
       values ($1, 'it', 'Italiano', 'uploaded', 'ready', 1) returning id`,
      [videoId],
    );
    await db().query(
      "insert into subtitle_cues (track_id, idx, start_ms, end_ms, text) values ($1, 0, 100, 900, 'Ciao')",
      [rows[0]!.id],
    );
    const publish = async () => {
      await db().query(enqueueQuery({ type: "publish_subtitles", videoId, payload: {} }));
      const version = (await videoRow(videoId)).subtitles_version;
      return waitFor("the publish", async () => {
        const video = await videoRow(videoId);
        return video.subtitles_version > version ? video : undefined;
      });
    };
    const v2 = await publish();
    expect(v2.subtitles_version).toBe(before.subtitles_version + 1);
    // The default first, then what people uploaded.
    expect(v2.media.subtitles.slice(0, 2).map((s) => s.lang)).toEqual(["en", "it"]);
    expect(await stored(`${v2.storage_prefix}${v2.media.dash}`)).toContain('lang="it"');
    let names = await storedNames(v2.storage_prefix);
    expect(names).toEqual(expect.arrayContaining([before.media.dash, v2.media.dash]));

    await db().query("delete from subtitle_tracks where id = $1", [rows[0]!.id]);
    const v3 = await publish();
    expect(v3.media.subtitles.map((s) => s.lang)).not.toContain("it");
    expect(await stored(`${v3.storage_prefix}${v3.media.dash}`)).not.toContain('lang="it"');
    expect(await stored(`${v2.storage_prefix}${v2.media.hls}`)).toContain('LANGUAGE="it"');
    expect(await stored(`${v3.storage_prefix}${v3.media.hls}`)).not.toContain('LANGUAGE="it"');
    names = await storedNames(v3.storage_prefix);
    expect(names).toEqual(expect.arrayContaining([before.media.dash, v2.media.dash, v3.media.dash]));
    // Only the last KEPT_VERSIONS stay: after a few more publishes the oldest are gone.
    let latest = v3;
    while (latest.subtitles_version < before.subtitles_version + KEPT_VERSIONS) latest = await publish();
    // The publish switches versions first and removes old files right after.
    names = await waitFor("the oldest version removed", async () => {
      const now = await storedNames(latest.storage_prefix);
      return now.includes(before.media.dash) ? undefined : now;
    });
    expect(names).toContain(v2.media.dash);
    expect(names.filter((n) => n.endsWith(".m4s")).length).toBeGreaterThan(0); // nothing re-encoded or lost
  });
});

describe("a broken subtitle stream", () => {
  it("fails only its own track; the video and the other tracks are ready", async () => {
    const videoId = await uploadAndWaitReady(fixtures.withSubtitles({ brokenFrench: true }));
    const tracks = await tracksOf(videoId);
    expect(tracks.map((t) => [t.language, t.status, t.error_code])).toEqual([
      ["en", "ready", null],
      ["fr", "failed", "subtitle_extract_failed"],
      ["de", "unsupported", "subtitle_bitmap"],
    ]);
    expect((await videoRow(videoId)).media.subtitles.map((s) => s.lang)).toEqual(["en"]);
  });
});

describe("re-processing", () => {
  it("keeps uploaded tracks, and embedded tracks keep their ids", { timeout: 120_000 }, async () => {
    const videoId = await uploadAndWaitReady(fixtures.withSubtitles());
    const before = await tracksOf(videoId);
    const { rows } = await db().query<{ id: string }>(
      `insert into subtitle_tracks (video_id, language, label, origin, status, cue_count)
       values ($1, 'it', 'Italiano', 'uploaded', 'ready', 0) returning id`,
      [videoId],
    );
    // What re-processing does: the video goes back to processing with a new transcode job.
    const { rows: source } = await db().query<{ source_key: string }>(
      "update videos set status = 'processing' where id = $1 returning source_key",
      [videoId],
    );
    await db().query(
      enqueueQuery({ type: "transcode", videoId, payload: { sourceKey: source[0]!.source_key } }),
    );
    await waitFor("ready again", async () =>
      (await videoRow(videoId)).status === "ready" ? true : undefined,
    );
    const after = await db().query<{ id: string; language: string; origin: string }>(
      "select id, language, origin from subtitle_tracks where video_id = $1 order by origin, language",
      [videoId],
    );
    expect(after.rows).toEqual([
      ...before
        .map((t) => ({ id: t.id, language: t.language, origin: "embedded" }))
        .sort((a, b) => a.language!.localeCompare(b.language!)),
      { id: rows[0]!.id, language: "it", origin: "uploaded" },
    ]);
  });
});
