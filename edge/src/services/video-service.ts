/**
 * The catalog: create (with an upload token for the farm), list, read, change, delete,
 * applying the visibility rules in one place (`canSee`). Testable without HTTP.
 */
import type { z } from "@hono/zod-openapi";
import { and, desc, eq, isNull, type SQL, sql } from "drizzle-orm";
import type { CreateVideoBody, UpdateVideoBody } from "../../../shared/api/videos.ts";
import { signJwt, UPLOAD_AUDIENCE } from "../../../shared/auth/jwt.ts";
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import { videos } from "../../../shared/db/schema.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import type { KeyRing } from "../auth/keys.ts";
import type { Database } from "../db/request-db.ts";
import { canChange, canSee, type Viewer } from "./video-access.ts";
import { decodeCursor, encodeCursor } from "./video-cursor.ts";
import { type RenditionView, toVideo, type Video, type VideoRow } from "./video-view.ts";

/** The video renditions of a row, highest first, as one JSON value (no extra round trip). */
const renditionsJson = sql<RenditionView[]>`coalesce((
  select json_agg(json_build_object('height', r.height, 'width', r.width, 'bandwidth', r.bandwidth, 'codecs', r.codecs)
                  order by r.bandwidth desc)
  from renditions r where r.video_id = ${videos.id} and r.kind = 'video'), '[]'::json)`;

type CreateInput = z.output<typeof CreateVideoBody>;
type UpdateInput = z.output<typeof UpdateVideoBody>;

export class VideoService {
  constructor(
    private readonly db: Database,
    private readonly config: EdgeConfig,
    private readonly keys: KeyRing,
  ) {}

  async create(owner: Viewer, input: CreateInput) {
    const [row] = await this.db
      .insert(videos)
      .values({
        ownerId: owner.id,
        title: input.title,
        description: input.description ?? "",
        visibility: input.visibility,
        language: input.language ?? null,
        translateTo: input.translateTo ?? [],
      })
      .returning();
    const video = toVideo(row as VideoRow);
    const upload = await signJwt(
      this.keys.signing,
      UPLOAD_AUDIENCE,
      owner.id,
      { vid: video.id, max: this.config.UPLOAD_MAX_BYTES },
      this.config.UPLOAD_TOKEN_TTL_S,
    );
    return {
      video,
      upload: {
        endpoint: this.config.UPLOAD_ENDPOINT,
        token: upload.token,
        expiresAt: upload.expiresAt.toISOString(),
        maxBytes: this.config.UPLOAD_MAX_BYTES,
      },
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

  /** The caller's own videos in every status. */
  listOwned(owner: Viewer, limit: number, cursor: string | undefined) {
    return this.list(and(eq(videos.ownerId, owner.id), isNull(videos.deletedAt)), limit, cursor);
  }

  async get(id: string, viewer: Viewer | undefined): Promise<Video> {
    const [found] = await this.db
      .select({ video: videos, renditions: renditionsJson })
      .from(videos)
      .where(and(eq(videos.id, id), isNull(videos.deletedAt)));
    if (!found || !canSee(found.video, viewer)) throw notFound();
    return toVideo(found.video as VideoRow, found.renditions);
  }

  async update(id: string, viewer: Viewer, input: UpdateInput): Promise<Video> {
    const changes: Partial<typeof videos.$inferInsert> = { updatedAt: new Date() };
    if (input.title !== undefined) changes.title = input.title;
    if (input.description !== undefined) changes.description = input.description;
    if (input.visibility !== undefined) changes.visibility = input.visibility;
    if (input.language !== undefined) changes.language = input.language;
    if (input.translateTo !== undefined) changes.translateTo = input.translateTo;
    const [row] = await this.db
      .update(videos)
      .set(changes)
      .where(and(eq(videos.id, id), isNull(videos.deletedAt), ownerOrAdmin(viewer)))
      .returning({ id: videos.id });
    if (row) return this.get(row.id, viewer);
    throw await this.refusal(id, viewer);
  }

  /** Marks the video deleted at once and queues a job for the farm to purge its files. */
  async remove(id: string, viewer: Viewer): Promise<void> {
    const result = await this.db.execute<{ id: string }>(sql`
      with gone as (
        update videos set deleted_at = now(), updated_at = now()
        where id = ${id} and deleted_at is null and ${ownerOrAdmin(viewer)}
        returning id, storage_prefix
      ), job as (
        insert into jobs (type, video_id, payload)
        select 'purge_video', id, jsonb_build_object('storagePrefix', storage_prefix) from gone
      )
      select id from gone`);
    if (result.rows.length === 0) throw await this.refusal(id, viewer);
  }

  private async list(where: SQL | undefined, limit: number, cursor: string | undefined) {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const rows = await this.db
      .select({ video: videos, renditions: renditionsJson, cursorAt: sql<string>`${videos.createdAt}::text` })
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
      items: page.map((r) => toVideo(r.video as VideoRow, r.renditions)),
      nextCursor: rows.length > limit && last ? encodeCursor({ at: last.cursorAt, id: last.video.id }) : null,
    };
  }

  private async findLive(id: string): Promise<VideoRow | undefined> {
    const [row] = await this.db
      .select()
      .from(videos)
      .where(and(eq(videos.id, id), isNull(videos.deletedAt)));
    return row as VideoRow | undefined;
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

function ownerOrAdmin(viewer: Viewer): SQL | undefined {
  return viewer.role === "admin" ? sql`true` : eq(videos.ownerId, viewer.id);
}

function notFound(): ApiError {
  return new ApiError("not_found", "no such video");
}
