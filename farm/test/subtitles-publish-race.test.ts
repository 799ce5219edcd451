/**
 * Two subtitle publishes of one video at once (two PUTs a moment apart, two farm nodes): they
 * run one after the other, neither deletes a file the other made live, and a player fetching
 * the manifests throughout finds every subtitle file they name. Real Postgres and S3; the
 * handler is driven directly so the two attempts overlap on purpose (slow uploads).
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { cacheControlFor } from "../../shared/storage/content-types.ts";
import type { Job } from "../src/queue/job-queue.ts";
import { ObjectStorage } from "../src/storage/object-storage.ts";
import { publishSubtitlesHandler } from "../src/subtitles/publish-subtitles-job.ts";
import { renderSubtitleSet } from "../src/subtitles/subtitle-set.ts";
import { SubtitleStore } from "../src/subtitles/subtitle-store.ts";
import { closeDb, db, newVideo, testS3 } from "./support/farm-env.ts";

const BASE_MPD = `<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT10S">
\t<Period id="0" start="PT0S">
\t\t<AdaptationSet id="0" contentType="video"><Representation id="0" bandwidth="1000" /></AdaptationSet>
\t</Period>
</MPD>
`;
const BASE_MASTER = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nv0.m3u8\n";

/** S3 whose small uploads each take a while: two attempts' uploads overlap. */
class SlowStorage extends ObjectStorage {
  override async putTexts(prefix: string, files: Map<string, string>): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 100));
    await super.putTexts(prefix, files);
  }
}

const s3 = testS3();
let pool: pg.Pool;
afterAll(async () => {
  await pool?.end();
  await closeDb();
  s3.destroy();
});
beforeAll(() => {
  // Its own pool: each publish holds a connection for its lock.
  pool = new pg.Pool({ connectionString: inject("databaseUrl"), max: 6 });
});

async function exists(key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: "movio", Key: key }));
    return true;
  } catch {
    return false;
  }
}

async function text(key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: "movio", Key: key }));
  return (await object.Body?.transformToString("utf-8")) ?? "";
}

/** A ready video with published base manifests and one uploaded track, as a transcode leaves it. */
async function readyVideo() {
  const { videoId } = await newVideo();
  const prefix = `media/${videoId}/r1/`;
  for (const [name, body] of [
    ["manifest.mpd", BASE_MPD],
    ["master.m3u8", BASE_MASTER],
  ]) {
    await s3.send(new PutObjectCommand({ Bucket: "movio", Key: `${prefix}${name}`, Body: body }));
  }
  await db().query(
    `update videos set status = 'ready', storage_prefix = $2, duration_ms = 10000,
       media = '{"dash":"manifest.mpd","hls":"master.m3u8"}'::jsonb where id = $1`,
    [videoId, prefix],
  );
  const { rows } = await db().query<{ id: string }>(
    `insert into subtitle_tracks (video_id, language, label, origin, status, cue_count)
     values ($1, 'it', 'Italiano', 'uploaded', 'ready', 1) returning id`,
    [videoId],
  );
  return { videoId, prefix, trackId: rows[0]!.id };
}

async function setCue(trackId: string, words: string) {
  await db().query("delete from subtitle_cues where track_id = $1", [trackId]);
  await db().query(
    "insert into subtitle_cues (track_id, idx, start_ms, end_ms, text) values ($1, 0, 100, 900, $2)",
    [trackId, words],
  );
}

/** Every file the live manifests name, as a player would follow them (HLS: master → playlist → vtt). */
async function missingLiveFiles(videoId: string, prefix: string): Promise<string[]> {
  const { rows } = await db().query<{ media: { dash: string; hls: string; subtitles?: { file: string }[] } }>(
    "select media from videos where id = $1",
    [videoId],
  );
  const media = rows[0]!.media;
  const missing: string[] = [];
  const mpd = await text(`${prefix}${media.dash}`);
  const vtts = [...mpd.matchAll(/<BaseURL>([^<]+)<\/BaseURL>/g)].map((m) => m[1]!);
  const master = await text(`${prefix}${media.hls}`);
  const playlists = [...master.matchAll(/URI="([^"]+)"/g)].map((m) => m[1]!);
  for (const playlist of playlists) {
    if (!(await exists(`${prefix}${playlist}`))) {
      missing.push(playlist);
      continue;
    }
    vtts.push(...(await text(`${prefix}${playlist}`)).split("\n").filter((line) => line.endsWith(".vtt")));
  }
  vtts.push(...(media.subtitles ?? []).map((s) => s.file));
  for (const vtt of new Set(vtts)) if (!(await exists(`${prefix}${vtt}`))) missing.push(vtt);
  return missing;
}

const job = (videoId: string, id: number): Job<"publish_subtitles"> => ({
  id,
  type: "publish_subtitles",
  videoId,
  payload: {},
  attempts: 1,
  lockedBy: "test",
});

describe("concurrent subtitle publishes of one video", () => {
  it("run one at a time, and the live manifests always name files that exist", async () => {
    const { videoId, prefix, trackId } = await readyVideo();
    const handler = publishSubtitlesHandler({
      db: pool,
      storage: new SlowStorage(s3, "movio"),
      subtitles: new SubtitleStore(pool),
      log: () => undefined,
    });
    const signal = new AbortController().signal;

    let watching = true;
    const problems: string[] = [];
    let observations = 0;
    const watcher = (async () => {
      while (watching) {
        const missing = await missingLiveFiles(videoId, prefix);
        observations++;
        if (missing.length > 0) problems.push(`missing ${missing.join(", ")}`);
      }
    })();

    for (let round = 1; round <= 4; round++) {
      await setCue(trackId, `Ciao ${round}a`);
      const first = handler.run(job(videoId, round * 2), { signal });
      await new Promise((resolve) => setTimeout(resolve, 20));
      await setCue(trackId, `Ciao ${round}b`);
      // Both attempts succeed: the second waits for the first instead of losing its switch.
      await Promise.all([first, handler.run(job(videoId, round * 2 + 1), { signal })]);
    }
    watching = false;
    await watcher;

    expect(problems).toEqual([]);
    expect(observations).toBeGreaterThan(3);
    const { rows } = await db().query<{
      subtitles_version: number;
      media: { subtitles: { file: string }[] };
    }>("select subtitles_version, media from videos where id = $1", [videoId]);
    expect(rows[0]!.subtitles_version).toBe(8);
    // The end state lists the last version of the track.
    expect(await text(`${prefix}${rows[0]!.media.subtitles[0]!.file}`)).toContain("Ciao 4b");
    expect(await missingLiveFiles(videoId, prefix)).toEqual([]);
  });
});

describe("published names", () => {
  it("differ between two renders of the same version, so a losing attempt deletes only its own", () => {
    const input = {
      tracks: [
        {
          id: "0b9f3a52-3c9a-4f7e-9c55-3b8a9b3f0e11",
          language: "it",
          label: "Italiano",
          kind: "subtitles" as const,
          origin: "uploaded" as const,
          isDefault: false,
          isForced: false,
          cues: [{ startMs: 0, endMs: 500, text: "Ciao" }],
        },
      ],
      version: 3,
      durationMs: 1000,
      baseMpd: BASE_MPD,
      baseMaster: BASE_MASTER,
    };
    const a = [...renderSubtitleSet(input).files.keys()];
    const b = [...renderSubtitleSet(input).files.keys()];
    expect(a).toHaveLength(4);
    expect(a.filter((name) => b.includes(name))).toEqual([]);
    // Versioned names stay immutable for CDNs; only ffmpeg's base manifests are cached briefly.
    for (const name of a) expect(cacheControlFor(name)).toContain("immutable");
    expect(cacheControlFor("manifest.mpd")).toBe("public, max-age=60");
  });
});
