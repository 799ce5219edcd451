/**
 * An upload's transcode starts on the node that received its last byte at once, not at the
 * runner's next poll (JOB_POLL_MS, a second by default): every second there is a second
 * before the video plays.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { FarmNode } from "../src/farm-node.ts";
import { closeDb, db, newVideo, startNode } from "./support/farm-env.ts";
import { fixtures } from "./support/fixtures.ts";
import { tusUpload } from "./support/tus-upload.ts";
import { waitFor } from "./support/wait-for.ts";

let farm: { node: FarmNode; url: string };

beforeAll(async () => {
  // A minute between polls: the runner's loops found nothing when it started and sleep.
  farm = await startNode({ JOB_POLL_MS: "60000" }, { work: true });
});
afterAll(async () => {
  await farm.node.close();
  await closeDb();
});

it("claims an upload's transcode as soon as the upload completes", async () => {
  const data = fixtures.portrait();
  const { videoId, token } = await newVideo();
  await new Promise((resolve) => setTimeout(resolve, 500)); // the loops are asleep by now
  await tusUpload(farm.url, token, data);
  const uploadedAt = Date.now();
  const started = await waitFor(
    "the transcode's first attempt",
    async () => {
      const { rows } = await db().query<{ started: Date }>(
        `select a.started_at as started from job_attempts a join jobs j on j.id = a.job_id
         where j.video_id = $1 and j.type = 'transcode'`,
        [videoId],
      );
      return rows[0]?.started;
    },
    10_000,
  );
  expect(started.getTime() - uploadedAt).toBeLessThan(3000);
  await waitFor("the video ready", async () => {
    const { rows } = await db().query<{ status: string }>("select status from videos where id = $1", [
      videoId,
    ]);
    return rows[0]?.status === "ready" ? true : undefined;
  });
});
