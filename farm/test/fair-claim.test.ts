/**
 * One user's work never holds every slot: transcode chunks, translations and webhook
 * deliveries are claimed fairly across the owners of their videos. One user floods the queue
 * first; another user's single job, queued after the flood, is claimed right after the
 * flood's first job — and, while the flood's jobs run, before any more of them.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { enqueueQuery, type JobRequest } from "../../shared/jobs/enqueue.ts";
import type { JobType } from "../../shared/jobs/job-types.ts";
import { JobQueue } from "../src/queue/job-queue.ts";
import { closeDb, db, newVideo } from "./support/farm-env.ts";

afterAll(closeDb);

const FLOOD = 20;
const TYPES = ["encode_chunk", "translate_subtitles", "deliver_webhook"] as const;
type FairType = (typeof TYPES)[number];

function jobFor(type: FairType, videoId: string, n: number): JobRequest {
  switch (type) {
    case "encode_chunk":
      return { type, videoId, payload: { runId: randomUUID(), part: "first", index: n } };
    case "translate_subtitles":
      return { type, videoId, payload: { sourceTrackId: randomUUID(), to: `x${n}` } };
    case "deliver_webhook":
      return { type, videoId, payload: { deliveryId: randomUUID() } };
  }
}

async function enqueue(job: JobRequest): Promise<number> {
  const { rows } = await db().query<{ id: string }>(enqueueQuery(job));
  return Number(rows[0]!.id);
}

// Work other test files left in the shared database must not be what is claimed here.
beforeEach(async () => {
  await db().query(
    `update jobs set state = 'cancelled', finished_at = now(), updated_at = now()
     where type = any($1::text[]) and state in ('queued', 'running')`,
    [TYPES as readonly JobType[]],
  );
});

describe("fair claims across users", () => {
  it.each(TYPES)("claims another user's %s before one user's flood is through", async (type) => {
    const flooder = await newVideo();
    const other = await newVideo();
    const flood: number[] = [];
    for (let n = 0; n < FLOOD; n++) flood.push(await enqueue(jobFor(type, flooder.videoId, n)));
    const waiting = await enqueue(jobFor(type, other.videoId, 0));

    // One slot, one job at a time: each claimed job is done before the next claim.
    const queue = new JobQueue(db(), `fair-${type}`, 60_000);
    const order: number[] = [];
    for (let i = 0; i <= FLOOD; i++) {
      const job = await queue.claim(type);
      if (!job) break;
      order.push(job.id);
      expect(await queue.complete(job)).toBe(true);
    }
    expect(order).toHaveLength(FLOOD + 1);
    // The flood's oldest job goes first (nobody was served yet), then the other user's.
    expect(order.indexOf(waiting)).toBe(1);
    // Within the flood, oldest first as before.
    expect(order.filter((id) => id !== waiting)).toEqual(flood);
  });

  it("gives a waiting user the next free slot while the flood's jobs are running", async () => {
    const flooder = await newVideo();
    const other = await newVideo();
    for (let n = 0; n < FLOOD; n++) await enqueue(jobFor("encode_chunk", flooder.videoId, n));
    const queue = new JobQueue(db(), "fair-slots", 60_000);
    // Three slots, all taken by the flood (the other user had nothing queued yet).
    const running = [await queue.claim("encode_chunk"), await queue.claim("encode_chunk")];
    const third = await queue.claim("encode_chunk");
    expect([...running, third].map((job) => job?.videoId)).toEqual(Array(3).fill(flooder.videoId));
    const waiting = await enqueue(jobFor("encode_chunk", other.videoId, 0));

    // One slot frees: the other user's job takes it, not the flood's fourth.
    expect(await queue.complete(third!)).toBe(true);
    const next = await queue.claim("encode_chunk");
    expect(next?.id).toBe(waiting);
    // Its job running too, the flood goes on in the freed slots.
    expect((await queue.claim("encode_chunk"))?.videoId).toBe(flooder.videoId);
  });
});
