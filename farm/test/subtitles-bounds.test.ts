/**
 * Where the farm makes tracks, it keeps the edge's bounds: extraction stores no more than
 * SUBTITLE_MAX_TRACKS tracks (the rest skipped and logged) and a stream with more than
 * SUBTITLE_MAX_CUES cues as `unsupported` with the reason. And a deleted video's purge removes
 * its tracks and cues from the database, not only its files. Real Postgres and S3.
 */
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { purgeHandler } from "../src/jobs/purge-job.ts";
import { JobQueue } from "../src/queue/job-queue.ts";
import { ObjectStorage } from "../src/storage/object-storage.ts";
import { type EmbeddedTrack, SubtitleStore } from "../src/subtitles/subtitle-store.ts";
import { ChunkRuns } from "../src/transcode/chunk-runs.ts";
import { closeDb, db, newVideo, testS3 } from "./support/farm-env.ts";

const pool = new pg.Pool({ connectionString: inject("databaseUrl"), max: 3 });
const s3 = testS3();
afterAll(async () => {
  await pool.end();
  await closeDb();
  s3.destroy();
});

const cues = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ startMs: i * 1000, endMs: i * 1000 + 500, text: `Line ${i}` }));

const embedded = (streamIndex: number, language: string | null, cueCount: number): EmbeddedTrack => ({
  streamIndex,
  codec: "subrip",
  language,
  label: `Stream ${streamIndex}`,
  isDefault: false,
  isForced: false,
  status: "ready",
  cues: cues(cueCount),
});

async function tracks(videoId: string) {
  const { rows } = await db().query<{
    language: string | null;
    origin: string;
    status: string;
    error_code: string | null;
    error_message: string | null;
    cue_count: number;
    cues: number;
  }>(
    `select t.language, t.origin, t.status, t.error_code, t.error_message, t.cue_count,
            (select count(*)::int from subtitle_cues c where c.track_id = t.id) as cues
     from subtitle_tracks t where t.video_id = $1 order by t.origin, t.stream_index nulls first`,
    [videoId],
  );
  return rows;
}

describe("extraction within the subtitle limits", () => {
  it("skips embedded streams past SUBTITLE_MAX_TRACKS (logged) and lists an over-long one as unsupported", async () => {
    const { videoId } = await newVideo();
    await db().query(
      `insert into subtitle_tracks (video_id, language, label, origin, status, cue_count)
       values ($1, 'it', 'Italiano', 'uploaded', 'ready', 0)`,
      [videoId],
    );
    const logs: string[] = [];
    const store = new SubtitleStore(pool, { maxTracks: 3, maxCues: 5, log: (line) => logs.push(line) });
    await store.replaceEmbedded(videoId, [
      embedded(2, "en", 5),
      embedded(3, "fr", 6),
      embedded(4, "de", 1),
      embedded(5, null, 1),
    ]);
    expect(await tracks(videoId)).toEqual([
      expect.objectContaining({ language: "en", origin: "embedded", status: "ready", cue_count: 5, cues: 5 }),
      expect.objectContaining({
        language: "fr",
        origin: "embedded",
        status: "unsupported",
        error_code: "too_many_cues",
        cue_count: 0,
        cues: 0,
      }),
      expect.objectContaining({ language: "it", origin: "uploaded" }),
    ]);
    expect((await tracks(videoId))[1]!.error_message).toMatch(/6 cues; .* at most 5 \(SUBTITLE_MAX_CUES\)/);
    expect(logs).toEqual([
      `video ${videoId}: 2 embedded subtitle streams skipped, past SUBTITLE_MAX_TRACKS (3): #4 (de), #5 (und)`,
    ]);

    // Re-processing with room again (the uploaded track deleted) keeps every stream.
    await db().query("delete from subtitle_tracks where video_id = $1 and origin = 'uploaded'", [videoId]);
    await store.replaceEmbedded(videoId, [embedded(2, "en", 5), embedded(4, "de", 1), embedded(5, null, 1)]);
    expect((await tracks(videoId)).map((t) => t.language)).toEqual(["en", "de", null]);
  });
});

describe("purging a deleted video", () => {
  it("deletes its subtitle tracks and cues from the database; the video row stays, deleted", async () => {
    const { videoId } = await newVideo();
    const { videoId: other } = await newVideo();
    const store = new SubtitleStore(pool);
    await store.replaceEmbedded(videoId, [embedded(2, "en", 3), embedded(3, "fr", 2)]);
    await store.replaceEmbedded(other, [embedded(2, "en", 3)]);
    const { rows: ids } = await db().query<{ id: string }>(
      "select id from subtitle_tracks where video_id = $1",
      [videoId],
    );
    await db().query("update videos set deleted_at = now() where id = $1", [videoId]);

    const logs: string[] = [];
    const purge = purgeHandler({
      db: pool,
      storage: new ObjectStorage(s3, "movio"),
      chunkRuns: new ChunkRuns(pool, new JobQueue(pool, "purge-test", 10_000)),
      discardUpload: async () => undefined,
      log: (line) => logs.push(line),
    });
    const signal = new AbortController().signal;
    const job = { id: 1, type: "purge_video" as const, videoId, payload: {}, attempts: 1, lockedBy: "test" };
    await purge.run(job, { signal } as Parameters<typeof purge.run>[1]);

    expect(await tracks(videoId)).toEqual([]);
    const { rows: left } = await db().query<{ n: number }>(
      "select count(*)::int as n from subtitle_cues where track_id = any($1::uuid[])",
      [ids.map((r) => r.id)],
    );
    expect(left[0]!.n).toBe(0);
    expect(logs.join("\n")).toMatch(/2 subtitle tracks/);
    // Another video's tracks are untouched, and the deleted row stays (ids are never reused).
    expect(await tracks(other)).toHaveLength(1);
    const { rows } = await db().query("select 1 from videos where id = $1 and deleted_at is not null", [
      videoId,
    ]);
    expect(rows).toHaveLength(1);
  });
});
