/**
 * The lifecycle's statements as both sides run them: each carries its guard, and the farm's
 * text-and-values form is the same statement with numbered parameters. Whether a guard
 * refuses what it must (0 rows from every other state) is tested against the database in
 * farm/test/video-lifecycle.test.ts.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  attachPoster,
  cancelProcessing,
  claimUpload,
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
} from "./lifecycle.ts";

const ID = "00000000-0000-4000-8000-000000000001";
const media = { durationMs: 1, prefix: "p", media: {} };
const flat = (text: string) => text.replace(/\s+/g, " ");

describe("video lifecycle statements", () => {
  it.each([
    ["upload claimed", claimUpload(ID, 1, 1), "where v.id = t.id and t.awaiting"],
    ["upload released", releaseUpload(ID), "where id = $1 and status = 'uploading'"],
    ["upload finished", finishUpload(ID, "s", 1), "and status = 'uploading' and deleted_at is null"],
    ["playable", publishPlayable(ID, media), "and status = 'processing' and deleted_at is null"],
    [
      "poster attached",
      attachPoster(ID, "p", "poster.jpg"),
      "and status = 'processing' and deleted_at is null and storage_prefix = $3 and media is not null",
    ],
    [
      "ready",
      publishReady(ID, { ...media, subtitlesVersion: 0, mediaBytes: null, reprocess: false }),
      "and status = any($7::text[]) and deleted_at is null",
    ],
    ["failed", failProcessing(ID, "c", "m"), "where id = $3 and status = 'processing'"],
    [
      "cancelled",
      cancelProcessing(ID, sql`true`),
      "and status = 'processing' and deleted_at is null and true",
    ],
    ["reopened", reopenFailedFromTarget(), "where v.id = t.id and t.status = 'failed'"],
    [
      "retried",
      retryTranscodeFromTarget(),
      "v.status = 'failed' and v.deleted_at is null and v.source_key is not null",
    ],
    [
      "re-processed",
      reprocess(ID, { status: "failed", sourceKey: "s" }),
      "and status = $3 and source_key = $4",
    ],
    ["deleted", deleteVideo(ID, sql`true`), "and deleted_at is null and true"],
  ])("%s carries its guard", (_name, statement, guard) => {
    expect(flat(lifecycleQuery(statement).text)).toContain(guard);
  });

  it("the farm's form numbers the parameters in order, arrays as one value", () => {
    const query = lifecycleQuery(
      publishReady(ID, { ...media, subtitlesVersion: 3, mediaBytes: 9, reprocess: true }),
    );
    expect(query.values).toEqual([1, "p", "{}", 3, 9, ID, ["processing", "ready"]]);
  });

  it("a failure message is cut to 1000 characters", () => {
    expect(lifecycleQuery(failProcessing(ID, "c", "x".repeat(2000))).values[1]).toHaveLength(1000);
  });
});
