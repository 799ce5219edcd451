/**
 * The opt-in video mail (issue 24): an owner with `video_mail` on gets a send_email job in
 * the transaction that publishes the video (a link to its watch page) or fails it (a link to
 * the studio, with the reason); an owner who did not opt in, or a deleted video, gets none.
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { enqueueJob, JobQueue } from "../src/queue/job-queue.ts";
import { VideoStore } from "../src/transcode/video-store.ts";
import { closeDb, db, newVideo } from "./support/farm-env.ts";

afterAll(closeDb);
// Each test claims the transcode it queued: jobs other test files left queued would be claimed first.
beforeEach(async () => {
  await db().query(
    "update jobs set state = 'cancelled' where type = 'transcode' and state in ('queued', 'running')",
  );
});

const MAIL = { publicBaseUrl: "https://movio.example/" };

interface MailJob {
  template: string;
  to: string;
  data: Record<string, string>;
}

async function mailsTo(to: string): Promise<MailJob[]> {
  const { rows } = await db().query<{ payload: MailJob }>(
    "select payload from jobs where type = 'send_email' and payload->>'to' = $1 order by id",
    [to],
  );
  return rows.map((row) => row.payload);
}

async function owner(ownerId: string, videoMail: boolean) {
  const { rows } = await db().query<{ email: string }>(
    "update users set video_mail = $2, display_name = 'Mae' where id = $1 returning email",
    [ownerId, videoMail],
  );
  return rows[0]!.email;
}

async function publish(videoId: string): Promise<boolean> {
  await db().query(
    "update videos set status = 'processing', source_key = $2, source_bytes = 10, title = 'Harbour <at> dawn' where id = $1",
    [videoId, videoId],
  );
  const queue = new JobQueue(db(), "video-mail-test", 5000);
  await enqueueJob(db(), { type: "transcode", videoId, payload: { sourceKey: videoId } });
  const job = await queue.claim("transcode");
  expect(job?.videoId).toBe(videoId);
  return new VideoStore(db(), undefined, MAIL).publish(queue, job!, {
    prefix: `media/${videoId}/1-test/`,
    durationMs: 1000,
    media: { dash: "manifest.mpd", hls: "master.m3u8", poster: null, storyboard: null },
    renditions: [],
    subtitlesVersion: 0,
    mediaBytes: 10,
  });
}

describe("video mail", () => {
  it("mails an owner who opted in when the video is ready, with a link to watch it", async () => {
    const { videoId, ownerId } = await newVideo();
    const email = await owner(ownerId, true);
    expect(await publish(videoId)).toBe(true);
    expect(await mailsTo(email)).toEqual([
      {
        template: "video_ready",
        to: email,
        data: {
          link: `https://movio.example/watch/${videoId}`,
          displayName: "Mae",
          title: "Harbour <at> dawn",
        },
      },
    ]);
  });

  it("mails the failure with its reason and a link to the studio", async () => {
    const { videoId, ownerId } = await newVideo();
    const email = await owner(ownerId, true);
    await db().query("update videos set status = 'processing' where id = $1", [videoId]);
    await new VideoStore(db(), undefined, MAIL).fail(videoId, "not_a_video", "The file is not a video.");
    expect(await mailsTo(email)).toMatchObject([
      {
        template: "video_failed",
        data: {
          link: "https://movio.example/studio",
          reason: "The file is not a video.",
          title: "Upload test",
        },
      },
    ]);
  });

  it("mails no one who did not opt in, and nothing for a deleted video", async () => {
    const quiet = await newVideo();
    const quietEmail = await owner(quiet.ownerId, false);
    expect(await publish(quiet.videoId)).toBe(true);
    expect(await mailsTo(quietEmail)).toEqual([]);

    const gone = await newVideo();
    const goneEmail = await owner(gone.ownerId, true);
    await db().query("update videos set status = 'processing', deleted_at = now() where id = $1", [
      gone.videoId,
    ]);
    await new VideoStore(db(), undefined, MAIL).fail(gone.videoId, "not_a_video", "The file is not a video.");
    expect(await mailsTo(goneEmail)).toEqual([]);
  });
});
