/**
 * The catalog: create (with an upload token for the farm), list, read, change, delete,
 * applying the visibility rules in one place (`canSee`). Testable without HTTP.
 */
import type { z } from "@hono/zod-openapi";
import { and, desc, eq, isNull, type SQL, sql } from "drizzle-orm";
import type { CreateVideoBody, UpdateVideoBody, UploadTicketSchema } from "../../../shared/api/videos.ts";
import { signJwt, UPLOAD_AUDIENCE } from "../../../shared/auth/jwt.ts";
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import { videos } from "../../../shared/db/schema.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import { enqueueStatement } from "../../../shared/jobs/enqueue.ts";
import { jobPayloadSchemas } from "../../../shared/jobs/job-types.ts";
import { createVideo, deleteVideo, reopenFailedFromTarget } from "../../../shared/videos/lifecycle.ts";
import { webhookEventStatement } from "../../../shared/webhooks/event-jobs.ts";
import type { KeyRing } from "../auth/keys.ts";
import type { Database } from "../db/request-db.ts";
import { ownVideosMatching } from "./search/postgres/search-sql.ts";
import { parseQuery } from "./search/search-query.ts";
import { tracksJson } from "./subtitle-view.ts";
import { canChange, canSee, type Viewer } from "./video-access.ts";
import { decodeCursor, encodeCursor } from "./video-cursor.ts";
import { type RenditionView, toVideo, type Video, type VideoRow, videoColumns } from "./video-view.ts";

/** The video renditions of a row, highest first, as one JSON value (no extra round trip). */
const renditionsJson = sql<RenditionView[]>`coalesce((
  select json_agg(json_build_object('height', r.height, 'width', r.width, 'bandwidth', r.bandwidth, 'codecs', r.codecs)
                  order by r.bandwidth desc)
  from renditions r where r.video_id = ${videos.id} and r.kind = 'video'), '[]'::json)`;

/** Every subtitle track of a row with its status, as one JSON value (no extra round trip either). */
const subtitlesJson = tracksJson(sql`${videos.id}`);

type CreateInput = z.output<typeof CreateVideoBody>;
type UpdateInput = z.output<typeof UpdateVideoBody>;
type UploadTicket = z.output<typeof UploadTicketSchema>;

export class VideoService {
  constructor(
    private readonly db: Database,
    private readonly config: EdgeConfig,
    private readonly keys: KeyRing,
  ) {}

  /**
   * A new video awaiting its upload, unless the owner already has
   * MAX_AWAITING_UPLOAD_PER_USER of those. Count and insert are one statement, so a burst of
   * parallel creates overshoots the cap by at most the requests in flight at that instant.
   */
  async create(owner: Viewer, input: CreateInput) {
    await this.refuseOverProcessingQuota(owner.id);
    const cap = this.config.MAX_AWAITING_UPLOAD_PER_USER;
    const inserted = await this.db.execute<{ id: string }>(
      createVideo({
        ownerId: owner.id,
        title: input.title,
        description: input.description ?? "",
        visibility: input.visibility,
        language: input.language ?? null,
        translateTo: input.translateTo ?? [],
        autoCaptions: input.autoCaptions ?? true,
        maxAwaiting: cap,
      }),
    );
    const id = inserted.rows[0]?.id;
    if (!id) {
      throw new ApiError(
        "quota_exceeded",
        `you already have ${cap} videos awaiting their upload: upload or delete one of them first`,
        { details: { limit: cap } },
      );
    }
    return { video: await this.get(id, owner), upload: await this.uploadTicket(id, owner.id) };
  }

  /**
   * A fresh upload ticket for a video that still needs its file: awaiting upload, uploading
   * (the client resumes its tus upload with the new token) or failed, which is reopened —
   * error, progress, source and media cleared — so the farm accepts a new upload. Owner or
   * admin only; processing and ready videos have their file (409).
   */
  async reissueUpload(id: string, viewer: Viewer) {
    const result = await this.db.execute<{ owner_id: string; status: string }>(sql`
      with target as (
        select id, owner_id, status, storage_prefix from videos
        where id = ${id} and deleted_at is null and ${ownerOrAdmin(viewer)}
        for update
      ), reopened as (
        ${reopenFailedFromTarget()}
      )${await this.retireFailedMedia(id)}
      select owner_id, status from target`);
    const row = result.rows[0];
    if (!row) throw await this.refusal(id, viewer);
    if (row.status === "processing" || row.status === "ready") {
      throw new ApiError(
        "upload_not_allowed",
        `the video is ${row.status} and already has its file; create a new video to upload another`,
        { details: { status: row.status } },
      );
    }
    await this.refuseOverProcessingQuota(row.owner_id);
    // The token names the owner even when an admin asks: the farm checks the video's owner.
    return this.uploadTicket(id, row.owner_id);
  }

  /**
   * 429 quota_exceeded once the owner's source accepted for processing in the last 24 hours
   * (the farm's `processing_usage` ledger, deleted videos included) reaches
   * PROCESSING_MINUTES_PER_DAY: no ticket for an upload the farm would refuse. The duration
   * of the next upload is unknown here, so the farm checks again once it has probed it.
   */
  private async refuseOverProcessingQuota(ownerId: string): Promise<void> {
    const limit = this.config.PROCESSING_MINUTES_PER_DAY;
    const { rows } = await this.db.execute<{ used_ms: string }>(sql`
      select coalesce(sum(source_ms), 0) as used_ms from processing_usage
      where user_id = ${ownerId}::uuid and charged_at > now() - interval '24 hours'`);
    const usedMinutes = Number(rows[0]?.used_ms ?? 0) / 60_000;
    if (usedMinutes < limit) return;
    throw new ApiError(
      "quota_exceeded",
      `you have had ${limit} minutes of video processed in the last 24 hours, your quota: upload again later`,
      { details: { limit, usedMinutes: Math.ceil(usedMinutes) } },
    );
  }

  /**
   * A failed video may have published a first playable (storage_prefix) before it failed;
   * reopening forgets that prefix, so the same statement hands its directory to the farm
   * (retire_media) — nothing plays it any more, and no later publish would know to remove it
   * if the video is never uploaded again. Read first (the payload is validated in code); the
   * job is queued only if that prefix is still the one the reopened row had.
   */
  private async retireFailedMedia(id: string): Promise<SQL> {
    const { rows } = await this.db.execute<{ storage_prefix: string | null }>(sql`
      select storage_prefix from videos where id = ${id} and status = 'failed' and deleted_at is null`);
    const payload = jobPayloadSchemas.retire_media.safeParse({ prefixes: [rows[0]?.storage_prefix] });
    if (!payload.success) return sql``; // no prefix (failed before its first playable)
    const prefix = payload.data.prefixes[0] as string;
    const job = enqueueStatement(
      { type: "retire_media", videoId: id, payload: payload.data },
      {
        onlyIf: sql`exists (select 1 from reopened)
          and exists (select 1 from target where storage_prefix = ${prefix})`,
      },
    );
    return sql`, retire as (${job})`;
  }

  private async uploadTicket(videoId: string, ownerId: string): Promise<UploadTicket> {
    const upload = await signJwt(
      this.keys.signing,
      UPLOAD_AUDIENCE,
      ownerId,
      { vid: videoId, max: this.config.UPLOAD_MAX_BYTES },
      this.config.UPLOAD_TOKEN_TTL_S,
    );
    return {
      endpoint: this.config.UPLOAD_ENDPOINT,
      token: upload.token,
      expiresAt: upload.expiresAt.toISOString(),
      maxBytes: this.config.UPLOAD_MAX_BYTES,
    };
  }

  /** Public, ready videos, newest first, keyset-paginated (stable under inserts). */
  listPublic(limit: number, cursor: string | undefined) {
    return this.list(
      and(eq(videos.status, "ready"), eq(videos.visibility, "public"), isNull(videos.deletedAt)),
      limit,
      cursor,
    );
  }

  /** The caller's own videos in every status; with `q`, only those it finds (see ownVideosMatching). */
  listOwned(owner: Viewer, limit: number, cursor: string | undefined, q?: string) {
    const own = and(eq(videos.ownerId, owner.id), isNull(videos.deletedAt));
    const where = q === undefined ? own : and(own, ownVideosMatching(owner.id, parseQuery(q)));
    return this.list(where, limit, cursor);
  }

  async get(id: string, viewer: Viewer | undefined): Promise<Video> {
    const [found] = await this.db
      .select({ video: videoColumns, renditions: renditionsJson, subtitles: subtitlesJson })
      .from(videos)
      .where(and(eq(videos.id, id), isNull(videos.deletedAt)));
    if (!found || !canSee(found.video, viewer)) throw notFound();
    return toVideo(found.video as VideoRow, found.renditions, found.subtitles);
  }

  /**
   * With Algolia search, a change to what search shows (title, description, visibility,
   * language) of a ready video queues its re-indexing in the same batch, only if this very
   * transaction changed it (`updated_at = now()`, as remove() does).
   */
  async update(id: string, viewer: Viewer, input: UpdateInput): Promise<Video> {
    const changes: Partial<typeof videos.$inferInsert> = {};
    if (input.title !== undefined) changes.title = input.title;
    if (input.description !== undefined) changes.description = input.description;
    if (input.visibility !== undefined) changes.visibility = input.visibility;
    if (input.language !== undefined) changes.language = input.language;
    if (input.translateTo !== undefined) changes.translateTo = input.translateTo;
    if (input.autoCaptions !== undefined) changes.autoCaptions = input.autoCaptions;
    const update = this.db
      .update(videos)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(and(eq(videos.id, id), isNull(videos.deletedAt), ownerOrAdmin(viewer)))
      .returning({ id: videos.id });
    const searched = [input.title, input.description, input.visibility, input.language].some(
      (field) => field !== undefined,
    );
    const [rows] =
      searched && this.algoliaSearch
        ? await this.db.batch([
            update,
            this.db.execute(
              enqueueStatement(
                { type: "index_video", videoId: id, payload: {} },
                {
                  onlyIf: sql`exists (select 1 from videos
                    where id = ${id} and updated_at = now() and status = 'ready' and deleted_at is null)`,
                },
              ),
            ),
          ])
        : [await update];
    const row = rows[0];
    if (row) return this.get(row.id, viewer);
    throw await this.refusal(id, viewer);
  }

  /**
   * Marks the video deleted at once and queues the farm's purge job (shared/jobs, the one way
   * to add a job) in one batch — one transaction, one round trip — so neither happens without
   * the other. The job is added only if this very transaction deleted the video (`now()` is
   * the transaction's start, the value its update wrote). With Algolia search, the removal of
   * its records is queued the same way, and so is the `video.deleted` webhook event.
   */
  async remove(id: string, viewer: Viewer): Promise<void> {
    const deletedNow = sql`exists (select 1 from videos where id = ${id} and deleted_at = now())`;
    const [gone] = await this.db.batch([
      this.db.execute<{ id: string }>(deleteVideo(id, ownerOrAdmin(viewer))),
      this.db.execute(
        enqueueStatement({ type: "purge_video", videoId: id, payload: {} }, { onlyIf: deletedNow }),
      ),
      this.db.execute(
        this.algoliaSearch
          ? enqueueStatement({ type: "index_video", videoId: id, payload: {} }, { onlyIf: deletedNow })
          : sql`select 1`,
      ),
      // The owner's `video.deleted` webhooks, only if this batch deleted it (and someone listens).
      this.db.execute(webhookEventStatement(id, "video.deleted", { andAlso: deletedNow })),
    ]);
    if (gone.rows.length === 0) throw await this.refusal(id, viewer);
  }

  /** Algolia search is kept current by jobs; Postgres search by the same transactions. */
  private get algoliaSearch(): boolean {
    return this.config.SEARCH_PROVIDER === "algolia";
  }

  private async list(where: SQL | undefined, limit: number, cursor: string | undefined) {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const rows = await this.db
      .select({
        video: videoColumns,
        renditions: renditionsJson,
        subtitles: subtitlesJson,
        cursorAt: sql<string>`${videos.createdAt}::text`,
      })
      .from(videos)
      .where(
        after
          ? and(
              where,
              sql`(${videos.createdAt}, ${videos.id}) < (${after.at}::timestamptz, ${after.id}::uuid)`,
            )
          : where,
      )
      .orderBy(desc(videos.createdAt), desc(videos.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => toVideo(r.video as VideoRow, r.renditions, r.subtitles)),
      nextCursor: rows.length > limit && last ? encodeCursor({ at: last.cursorAt, id: last.video.id }) : null,
    };
  }

  private async findLive(id: string): Promise<VideoRow | undefined> {
    const [row] = await this.db
      .select(videoColumns)
      .from(videos)
      .where(and(eq(videos.id, id), isNull(videos.deletedAt)));
    return row;
  }

  /** Why a change was refused: 404 if the caller may not even see it, else 403. */
  private async refusal(id: string, viewer: Viewer): Promise<ApiError> {
    const row = await this.findLive(id);
    if (!row || !canSee(row, viewer)) return notFound();
    return canChange(row, viewer)
      ? new ApiError("conflict", "the video changed meanwhile; try again")
      : new ApiError("forbidden", "only the owner or an admin may change this video");
  }
}

function ownerOrAdmin(viewer: Viewer): SQL {
  return viewer.role === "admin" ? sql`true` : eq(videos.ownerId, viewer.id);
}

function notFound(): ApiError {
  return new ApiError("not_found", "no such video");
}
