/**
 * Video cards: what a grid or a result list shows for a video (title, signed poster URL,
 * duration, owner's display name, age). The home page pages through the public catalog with
 * the catalog's own keyset cursor, so `?cursor=` of the API and of the page are the same.
 */
import type { z } from "@hono/zod-openapi";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { SearchVideoSchema } from "../../../shared/api/search.ts";
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import { users, videos } from "../../../shared/db/schema.ts";
import type { Database } from "../db/request-db.ts";
import { mediaSigner } from "./media-urls.ts";
import { decodeCursor, encodeCursor } from "./video-cursor.ts";

export type VideoCard = z.output<typeof SearchVideoSchema>;

export interface CardPage {
  cards: VideoCard[];
  nextCursor: string | null;
}

/**
 * A card's poster, signed for the video's directory; bound to the viewer's address only with
 * PLAYBACK_BIND_IP (http/list-binding.ts says when a list may then be cached).
 */
export function posterUrl(
  config: EdgeConfig,
  storagePrefix: string | null,
  poster: string | null | undefined,
  clientIp?: string,
): string | null {
  return storagePrefix && poster ? mediaSigner(config, storagePrefix, clientIp).url(poster) : null;
}

export class CardService {
  constructor(
    private readonly db: Database,
    private readonly config: EdgeConfig,
  ) {}

  /** Public, ready videos, newest first. */
  async publicCards(limit: number, cursor: string | undefined, clientIp?: string): Promise<CardPage> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const visible = and(
      eq(videos.status, "ready"),
      eq(videos.visibility, "public"),
      isNull(videos.deletedAt),
    );
    const rows = await this.db
      .select({
        id: videos.id,
        title: videos.title,
        durationMs: videos.durationMs,
        storagePrefix: videos.storagePrefix,
        poster: sql<string | null>`${videos.media}->>'poster'`,
        ownerDisplayName: users.displayName,
        createdAt: videos.createdAt,
        cursorAt: sql<string>`${videos.createdAt}::text`,
      })
      .from(videos)
      .innerJoin(users, eq(users.id, videos.ownerId))
      .where(
        after
          ? and(
              visible,
              sql`(${videos.createdAt}, ${videos.id}) < (${after.at}::timestamptz, ${after.id}::uuid)`,
            )
          : visible,
      )
      .orderBy(desc(videos.createdAt), desc(videos.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      cards: page.map((row) => ({
        id: row.id,
        title: row.title,
        durationMs: row.durationMs,
        posterUrl: posterUrl(this.config, row.storagePrefix, row.poster, clientIp),
        ownerDisplayName: row.ownerDisplayName,
        createdAt: new Date(row.createdAt).toISOString(),
      })),
      nextCursor: rows.length > limit && last ? encodeCursor({ at: last.cursorAt, id: last.id }) : null,
    };
  }

  /** What the watch page shows before its script runs, for videos anyone with the link may see. */
  async watchable(id: string) {
    const [row] = await this.db
      .select({
        title: videos.title,
        description: videos.description,
        ownerDisplayName: users.displayName,
        createdAt: videos.createdAt,
      })
      .from(videos)
      .innerJoin(users, eq(users.id, videos.ownerId))
      .where(
        and(
          eq(videos.id, id),
          isNull(videos.deletedAt),
          sql`${videos.visibility} in ('public', 'unlisted')`,
          eq(videos.status, "ready"),
        ),
      );
    return row;
  }
}
