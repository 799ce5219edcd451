/** SubtitleService without HTTP: an edit loses to a change made between its read and its write. */
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../shared/errors/api-error.ts";
import { readEdgeConfig } from "../src/config.ts";
import { type Database, databaseFor } from "../src/db/request-db.ts";
import { SubtitleService } from "../src/services/subtitle-service.ts";
import { db } from "./helpers.ts";
import { jobsOf, ownerWithVideo, putSubtitle, SRT } from "./subtitle-helpers.ts";

/** The database, with `meanwhile` run right after the service's first (reading) query. */
function racing(meanwhile: (real: Database) => Promise<unknown>): Database {
  const real = databaseFor(readEdgeConfig(env));
  let first = true;
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "execute" && first) {
        first = false;
        return async (query: Parameters<Database["execute"]>[0]) => {
          const result = await target.execute(query);
          await meanwhile(target);
          return result;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("SubtitleService.editCues", () => {
  it("refuses with 409 when the track changed after it was read, and writes nothing", async () => {
    const { owner, videoId } = await ownerWithVideo();
    const track = (await putSubtitle(owner.accessToken, videoId, "en", SRT)).body;
    const service = new SubtitleService(
      racing((real) =>
        real.execute(sql`update subtitle_tracks set updated_at = now() where id = ${track.id}`),
      ),
      readEdgeConfig(env),
    );
    const edit = service.editCues(
      videoId,
      "en",
      undefined,
      { id: owner.user.id, role: "viewer" },
      {
        changes: [{ index: 0, text: "lost" }],
        add: [],
        remove: [],
      },
    );
    await expect(edit).rejects.toBeInstanceOf(ApiError);
    await expect(edit).rejects.toMatchObject({ code: "conflict" });
    const texts = await db<{ text: string }>(
      sql`select text from subtitle_cues where track_id = ${track.id} order by idx`,
    );
    expect(texts.map((r) => r.text)).toEqual(["Hello", "<i>World</i>"]);
    expect(await jobsOf(videoId, "publish_subtitles")).toHaveLength(1);
  });

  it("applies the same edit when nothing moved", async () => {
    const { owner, videoId } = await ownerWithVideo();
    await putSubtitle(owner.accessToken, videoId, "en", SRT);
    const service = new SubtitleService(
      racing(async () => {}),
      readEdgeConfig(env),
    );
    const result = await service.editCues(
      videoId,
      "en",
      undefined,
      { id: owner.user.id, role: "viewer" },
      {
        changes: [{ index: 0, text: "kept" }],
        add: [],
        remove: [],
      },
    );
    expect(result.cues.map((c) => c.text)).toEqual(["kept", "<i>World</i>"]);
  });
});
