/**
 * Every statement of the video lifecycle (shared/videos/lifecycle.ts) against the real
 * database, from every state: it changes the row exactly from the states its guard allows,
 * and from any other (deleted videos included) it changes nothing — 0 rows, the row as it was.
 * The rows are put into each state directly: this test is about the statements, not the
 * paths that lead to a state.
 */
import { type SQL, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import {
  attachPoster,
  cancelProcessing,
  claimUpload,
  createVideo,
  deleteVideo,
  failProcessing,
  finishUpload,
  lifecycleQuery,
  publishPlayable,
  publishReady,
  releaseUpload,
  reopenFailedFromTarget,
  reprocess,
  retryTranscodeFromTarget,
} from "../../shared/videos/lifecycle.ts";
import { closeDb, db, newVideo } from "./support/farm-env.ts";

afterAll(closeDb);

const STATUSES = ["awaiting_upload", "uploading", "processing", "ready", "failed"] as const;
type Status = (typeof STATUSES)[number];
/** A state: a status, and whether the video is deleted. */
type State = { status: Status; deleted: boolean };
const STATES: State[] = STATUSES.flatMap((status) => [
  { status, deleted: false },
  { status, deleted: true },
]);

const SOURCE = "sources/lifecycle-test";

async function videoIn(state: State): Promise<{ id: string; ownerId: string }> {
  const { videoId, ownerId } = await newVideo();
  await db().query(
    `update videos set status = $2, source_key = $3, deleted_at = case when $4 then now() end where id = $1`,
    [videoId, state.status, SOURCE, state.deleted],
  );
  return { id: videoId, ownerId };
}

async function snapshot(id: string) {
  const { rows } = await db().query("select * from videos where id = $1", [id]);
  return rows[0] as Record<string, unknown>;
}

/** Runs a statement; how many videos it changed (its rows, or a count it selects). */
async function changed(statement: SQL): Promise<number> {
  const result = await db().query(lifecycleQuery(statement));
  return result.rowCount ?? 0;
}

/** A CTE body that reads `target` runs inside the statement it was written for. */
const inTarget = (target: SQL, body: SQL) =>
  sql`with target as (${target}), changed as (${body}) select id from changed`;

const media = { durationMs: 1000, prefix: "media/lifecycle-test", media: { playableAt: "now" } };

interface Transition {
  name: string;
  /** The states it moves a video from (deleted ones have `deleted: true`). */
  from: (s: State) => boolean;
  /** The status it leaves a legal video in. */
  to: Status | "same";
  run: (video: { id: string; ownerId: string }) => Promise<number>;
}

const live =
  (...statuses: Status[]) =>
  (s: State) =>
    !s.deleted && statuses.includes(s.status);

const TRANSITIONS: Transition[] = [
  {
    name: "upload claimed",
    from: live("awaiting_upload"),
    to: "uploading",
    run: async ({ id }) => {
      const { rows } = await db().query<{ claimed: boolean }>(lifecycleQuery(claimUpload(id, 100, 10)));
      return rows[0]?.claimed ? 1 : 0;
    },
  },
  {
    name: "upload released",
    // Not guarded on deletion: a deleted video's upload is released all the same.
    from: (s) => s.status === "uploading",
    to: "awaiting_upload",
    run: ({ id }) => changed(releaseUpload(id)),
  },
  {
    name: "upload finished",
    from: live("uploading"),
    to: "processing",
    run: ({ id }) => changed(finishUpload(id, SOURCE, 100)),
  },
  {
    name: "playable",
    from: live("processing"),
    to: "same",
    run: ({ id }) => changed(publishPlayable(id, media)),
  },
  {
    name: "ready",
    from: live("processing"),
    to: "ready",
    run: ({ id }) =>
      changed(publishReady(id, { ...media, subtitlesVersion: 0, mediaBytes: null, reprocess: false })),
  },
  {
    name: "ready again (re-processed)",
    from: live("processing", "ready"),
    to: "ready",
    run: ({ id }) =>
      changed(publishReady(id, { ...media, subtitlesVersion: 0, mediaBytes: null, reprocess: true })),
  },
  {
    name: "failed",
    // Not guarded on deletion: a deleted video's processing may still fail.
    from: (s) => s.status === "processing",
    to: "failed",
    run: ({ id }) => changed(failProcessing(id, "processing_failed", "it failed")),
  },
  {
    name: "cancelled",
    from: live("processing"),
    to: "failed",
    run: ({ id }) => changed(cancelProcessing(id, sql`true`)),
  },
  {
    name: "reopened",
    from: live("failed"),
    to: "awaiting_upload",
    run: ({ id }) =>
      changed(
        inTarget(
          sql`select id, status from videos where id = ${id} and deleted_at is null for update`,
          reopenFailedFromTarget(),
        ),
      ),
  },
  {
    name: "re-processing (retry of its transcode)",
    from: live("failed"),
    to: "processing",
    run: ({ id }) =>
      changed(
        inTarget(sql`select 'transcode'::text as type, ${id}::uuid as video_id`, retryTranscodeFromTarget()),
      ),
  },
  {
    name: "re-processing (of a failed video)",
    from: live("failed"),
    to: "processing",
    run: ({ id }) => changed(reprocess(id, { status: "failed", sourceKey: SOURCE })),
  },
  {
    name: "re-processing (of a ready video)",
    from: live("ready"),
    to: "same",
    run: ({ id }) => changed(reprocess(id, { status: "ready", sourceKey: SOURCE })),
  },
  {
    name: "deleted",
    from: (s) => !s.deleted,
    to: "same",
    run: ({ id }) => changed(deleteVideo(id, sql`true`)),
  },
];

describe("video lifecycle", () => {
  for (const transition of TRANSITIONS) {
    it(`${transition.name}: only from ${STATES.filter(transition.from)
      .map((s) => s.status + (s.deleted ? " (deleted)" : ""))
      .join(", ")}`, async () => {
      for (const state of STATES) {
        const video = await videoIn(state);
        const before = await snapshot(video.id);
        const rows = await transition.run(video);
        const after = await snapshot(video.id);
        const label = `${transition.name} from ${state.status}${state.deleted ? " (deleted)" : ""}`;
        if (transition.from(state)) {
          expect(rows, label).toBe(1);
          expect(after.status, label).toBe(transition.to === "same" ? state.status : transition.to);
          expect(after.updated_at, label).not.toEqual(before.updated_at);
        } else {
          expect(rows, label).toBe(0);
          expect(after, label).toEqual(before);
        }
      }
    });
  }

  it("a poster is added only to a playing video's media, on the prefix it plays", async () => {
    const playing = await videoIn({ status: "processing", deleted: false });
    const playable = { ...media, media: { dash: "d", poster: null } };
    expect(await changed(publishPlayable(playing.id, playable))).toBe(1);
    expect(await changed(attachPoster(playing.id, "media/another-attempt", "poster.jpg"))).toBe(0);
    expect(await changed(attachPoster(playing.id, media.prefix, "poster.jpg"))).toBe(1);
    expect((await snapshot(playing.id)).media).toEqual({ dash: "d", poster: "poster.jpg" });
    // Not yet playable (no media), finished, or deleted: nothing changes.
    for (const state of STATES.filter((s) => s.deleted || s.status !== "processing").concat([
      { status: "processing", deleted: false },
    ])) {
      const video = await videoIn(state);
      await db().query("update videos set storage_prefix = $2 where id = $1", [video.id, media.prefix]);
      const before = await snapshot(video.id);
      expect(await changed(attachPoster(video.id, media.prefix, "poster.jpg"))).toBe(0);
      expect(await snapshot(video.id)).toEqual(before);
    }
  });

  it("a re-processing is refused when the source is not the one the admin saw", async () => {
    for (const status of ["ready", "failed"] as const) {
      const video = await videoIn({ status, deleted: false });
      const before = await snapshot(video.id);
      expect(await changed(reprocess(video.id, { status, sourceKey: "sources/another" }))).toBe(0);
      expect(await snapshot(video.id)).toEqual(before);
    }
  });

  it("a re-processing by retry is refused without a kept source, or for a job that is not a transcode", async () => {
    const video = await videoIn({ status: "failed", deleted: false });
    const target = sql`select 'transcode'::text as type, ${video.id}::uuid as video_id`;
    await db().query("update videos set source_key = null where id = $1", [video.id]);
    expect(await changed(inTarget(target, retryTranscodeFromTarget()))).toBe(0);
    await db().query("update videos set source_key = $2 where id = $1", [video.id, SOURCE]);
    const notTranscode = sql`select 'purge_video'::text as type, ${video.id}::uuid as video_id`;
    expect(await changed(inTarget(notTranscode, retryTranscodeFromTarget()))).toBe(0);
    expect((await snapshot(video.id)).status).toBe("failed");
  });

  it("a cancel is refused unless its job was cancelled in the same transaction", async () => {
    const video = await videoIn({ status: "processing", deleted: false });
    expect(await changed(cancelProcessing(video.id, sql`false`))).toBe(0);
    expect((await snapshot(video.id)).status).toBe("processing");
  });

  it("a delete is refused to whoever may not change the video", async () => {
    const video = await videoIn({ status: "ready", deleted: false });
    expect(await changed(deleteVideo(video.id, sql`false`))).toBe(0);
    expect((await snapshot(video.id)).deleted_at).toBeNull();
  });

  it("an upload claim is refused over the owner's concurrent uploads (quota), not as taken", async () => {
    const busy = await videoIn({ status: "uploading", deleted: false });
    const { rows: videos } = await db().query<{ id: string }>(
      "insert into videos (owner_id, title, visibility) values ($1, 'Second', 'public') returning id",
      [busy.ownerId],
    );
    const id = videos[0]!.id;
    const { rows } = await db().query(lifecycleQuery(claimUpload(id, 100, 1)));
    expect(rows[0]).toEqual({ claimed: false, awaiting: true });
    expect((await snapshot(id)).status).toBe("awaiting_upload");
  });

  it("a video is created awaiting its upload, unless its owner has too many awaiting", async () => {
    const { ownerId } = await newVideo(); // one awaiting already
    const input = {
      ownerId,
      title: "Created",
      description: "",
      visibility: "public",
      language: null,
      translateTo: ["fr"],
      maxAwaiting: 2,
    };
    const { rows } = await db().query<{ id: string }>(lifecycleQuery(createVideo(input)));
    expect(rows).toHaveLength(1);
    const created = await snapshot(rows[0]!.id);
    expect(created).toMatchObject({ status: "awaiting_upload", translate_to: ["fr"], title: "Created" });
    expect(await changed(createVideo(input))).toBe(0);
  });
});
