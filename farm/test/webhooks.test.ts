/**
 * Webhooks end to end on real Postgres: the event is queued in the transaction that makes a
 * video ready (VideoStore.publish, as a transcode does) or failed, a real JobRunner with the
 * farm's webhook handlers fans it out and delivers it to a receiver on loopback, and the
 * `standardwebhooks` package verifies the signature. Backoff is shortened so retries happen
 * within the test; the SSRF guard is checked with the private-address switch off.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { WebhookEvent } from "../../shared/webhooks/events.ts";
import { newWebhookSecret } from "../../shared/webhooks/secret.ts";
import { jobPolicies } from "../src/queue/job-policies.ts";
import { enqueueJob, JobQueue } from "../src/queue/job-queue.ts";
import { JobRunner } from "../src/queue/job-runner.ts";
import { VideoStore } from "../src/transcode/video-store.ts";
import { postWebhook } from "../src/webhooks/webhook-http.ts";
import { deliverWebhookHandler, webhookEventHandler } from "../src/webhooks/webhook-jobs.ts";
import { closeDb, db, newVideo } from "./support/farm-env.ts";
import { waitFor } from "./support/wait-for.ts";
import { startReceiver, type WebhookReceiver } from "./support/webhook-receiver.ts";

const runners: JobRunner[] = [];
const receivers: WebhookReceiver[] = [];
const logs: string[] = [];

interface RunnerOptions {
  allowPrivate?: boolean;
  windowS?: number;
}

/** The farm's two webhook handlers under a real runner, with 100 ms backoff. */
function startRunner(options: RunnerOptions = {}) {
  const queue = new JobQueue(db(), "webhook-test", 5000);
  const config = {
    WEBHOOK_ALLOW_PRIVATE: options.allowPrivate ?? true,
    WEBHOOK_TIMEOUT_MS: 2000,
    WEBHOOK_RETRY_WINDOW_S: options.windowS ?? 86_400,
  };
  const policies = jobPolicies({
    TRANSCODE_CONCURRENCY: 1,
    WEBHOOK_BACKOFF_BASE_MS: 100,
    WEBHOOK_BACKOFF_CAP_MS: 300,
  });
  const log = (line: string) => logs.push(line);
  const runner = new JobRunner(
    queue,
    policies,
    {
      webhook_event: webhookEventHandler({ db: db(), queue, config, log }),
      deliver_webhook: deliverWebhookHandler({ db: db(), queue, config, log }),
    },
    { pollMs: 50, leaseMs: 5000, log },
  );
  runner.start();
  runners.push(runner);
}

async function receiver() {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

/** A user's endpoint, inserted as the edge's POST /api/v1/webhooks does. */
async function endpoint(
  ownerId: string,
  url: string,
  events: WebhookEvent[] = ["video.ready", "video.failed"],
) {
  const secret = newWebhookSecret();
  const { rows } = await db().query<{ id: string }>(
    "insert into webhook_endpoints (user_id, url, events, secret) values ($1, $2, $3, $4) returning id",
    [ownerId, url, events, secret],
  );
  return { id: rows[0]!.id, secret };
}

/** A video in processing, published the way the transcode job does (one fenced transaction). */
async function publishVideo(videoId: string) {
  await db().query(
    "update videos set status = 'processing', source_key = $2, source_bytes = 10, title = 'Harbour at dawn' where id = $1",
    [videoId, `${videoId}`],
  );
  const queue = new JobQueue(db(), "publisher", 5000);
  await enqueueJob(db(), { type: "transcode", videoId, payload: { sourceKey: videoId } });
  const job = await queue.claim("transcode");
  expect(job?.videoId).toBe(videoId);
  const published = await new VideoStore(db()).publish(queue, job!, {
    prefix: `media/${videoId}/1-test/`,
    durationMs: 12_345,
    media: { dash: "manifest.mpd", hls: "master.m3u8", poster: null, storyboard: null },
    renditions: [],
    subtitlesVersion: 0,
    mediaBytes: 4096,
  });
  expect(published).toBe(true);
}

const deliveries = async (endpointId: string) =>
  (
    await db().query<{ id: string; state: string; attempts: number; message_id: string }>(
      "select id, state, attempts, message_id from webhook_deliveries where endpoint_id = $1",
      [endpointId],
    )
  ).rows;

const attempts = async (endpointId: string) =>
  (
    await db().query<{ status_code: number | null; succeeded: boolean; error: string | null }>(
      `select a.status_code, a.succeeded, a.error from webhook_attempts a
       join webhook_deliveries d on d.id = a.delivery_id where d.endpoint_id = $1 order by a.id`,
      [endpointId],
    )
  ).rows;

beforeAll(async () => {
  // Jobs other test files left queued would be claimed by these runners.
  await db().query("update jobs set state = 'cancelled' where state in ('queued', 'running')");
});

afterEach(async () => {
  for (const runner of runners.splice(0)) await runner.stop(1000);
  for (const r of receivers.splice(0)) await r.close();
  await db().query("update jobs set state = 'cancelled' where state in ('queued', 'running')");
});

afterAll(async () => {
  await closeDb();
});

describe("webhooks", () => {
  it("delivers video.ready to a receiver on loopback, signed so standardwebhooks verifies it", async () => {
    const hook = await receiver();
    const { videoId, ownerId } = await newVideo();
    const { id, secret } = await endpoint(ownerId, hook.url);
    await publishVideo(videoId);
    startRunner();
    const got = await waitFor("the delivery", async () => hook.received[0]);

    const verified = new Webhook(secret).verify(got.body, got.headers) as Record<string, unknown>;
    expect(verified).toMatchObject({
      type: "video.ready",
      data: { videoId, title: "Harbour at dawn", status: "ready", durationMs: 12_345, visibility: "public" },
    });
    expect(got.headers["webhook-id"]).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(got.headers["content-type"]).toBe("application/json");
    // Another secret does not verify it.
    expect(() => new Webhook(newWebhookSecret()).verify(got.body, got.headers)).toThrow();
    await waitFor("the delivery recorded", async () =>
      (await deliveries(id))[0]?.state === "succeeded" ? true : undefined,
    );
    expect(await attempts(id)).toEqual([{ status_code: 204, succeeded: true, error: null }]);
  });

  it("sends video.playable once per upload: at the first playable, not again on a retry or when ready", async () => {
    const hook = await receiver();
    const { videoId, ownerId } = await newVideo();
    await endpoint(ownerId, hook.url, ["video.playable", "video.ready"]);
    await db().query(
      "update videos set status = 'processing', source_key = $2, source_bytes = 10, title = 'Harbour at dawn' where id = $1",
      [videoId, `${videoId}`],
    );
    const queue = new JobQueue(db(), "publisher", 5000);
    const store = new VideoStore(db());
    await enqueueJob(db(), { type: "transcode", videoId, payload: { sourceKey: videoId } });
    const job = (await queue.claim("transcode"))!;
    const first = (attempt: string) => ({
      prefix: `media/${videoId}/${attempt}/`,
      durationMs: 9_000,
      media: {
        dash: "live.mpd",
        hls: "live.m3u8",
        poster: null,
        storyboard: null,
        playableAt: "2026-12-07T00:00:00Z",
      },
      renditions: [],
    });
    expect(await store.publishPlayable(queue, job, first("1-a"))).toBe(true);
    // The same upload's next attempt publishes its own first playable: nobody is told again.
    expect(await store.publishPlayable(queue, job, first("2-b"))).toBe(true);
    expect(await store.publish(queue, job, { ...first("2-b"), subtitlesVersion: 0, mediaBytes: 1 })).toBe(
      true,
    );
    startRunner();
    await waitFor("both deliveries", async () => (hook.received.length >= 2 ? true : undefined));
    // Nothing else is on its way: every queued event has been fanned out.
    await waitFor("the queue drained", async () => {
      const { rows } = await db().query(
        "select 1 from jobs where video_id = $1 and type in ('webhook_event', 'deliver_webhook') and state in ('queued', 'running')",
        [videoId],
      );
      return rows.length === 0 ? true : undefined;
    });
    const types = hook.received.map((r) => (JSON.parse(r.body) as { type: string }).type).sort();
    expect(types).toEqual(["video.playable", "video.ready"]);
    const playable = JSON.parse(hook.received.find((r) => r.body.includes("video.playable"))!.body);
    expect(playable.data).toMatchObject({ videoId, status: expect.any(String), durationMs: 9_000 });
  });

  it("sends video.playable before video.ready to a video that only plays once ready", async () => {
    const hook = await receiver();
    const { videoId, ownerId } = await newVideo();
    await endpoint(ownerId, hook.url, ["video.playable"]);
    await publishVideo(videoId);
    startRunner();
    const got = await waitFor("the delivery", async () => hook.received[0]);
    expect(JSON.parse(got.body)).toMatchObject({
      type: "video.playable",
      data: { videoId, status: "ready" },
    });
  });

  it("retries a receiver that fails twice: the third attempt gets it, with the same message id", async () => {
    const hook = await receiver();
    hook.answer(500, 503);
    const { videoId, ownerId } = await newVideo();
    const { id, secret } = await endpoint(ownerId, hook.url);
    await publishVideo(videoId);
    startRunner();
    await waitFor("three attempts", async () => (hook.received.length >= 3 ? true : undefined), 20_000);
    await waitFor("the delivery to succeed", async () =>
      (await deliveries(id))[0]?.state === "succeeded" ? true : undefined,
    );
    expect(hook.received).toHaveLength(3);
    const ids = new Set(hook.received.map((r) => r.headers["webhook-id"]));
    expect(ids.size).toBe(1);
    // Each attempt is signed afresh (its own timestamp) and verifies.
    for (const r of hook.received) expect(() => new Webhook(secret).verify(r.body, r.headers)).not.toThrow();
    expect(await attempts(id)).toMatchObject([
      { status_code: 500, succeeded: false, error: "HTTP 500" },
      { status_code: 503, succeeded: false, error: "HTTP 503" },
      { status_code: 204, succeeded: true, error: null },
    ]);
    const [delivery] = await deliveries(id);
    expect(delivery).toMatchObject({ state: "succeeded", attempts: 3 });
    // The endpoint is healthy again: no failing streak left.
    const { rows } = await db().query(
      "select failing_since, disabled_at from webhook_endpoints where id = $1",
      [id],
    );
    expect(rows[0]).toEqual({ failing_since: null, disabled_at: null });
  });

  it("refuses a private-address URL when WEBHOOK_ALLOW_PRIVATE is off, and records why", async () => {
    const hook = await receiver();
    const { videoId, ownerId } = await newVideo();
    // Stored directly: the edge refuses such a URL at creation; this is the delivery-time guard.
    const { id } = await endpoint(ownerId, hook.url);
    await publishVideo(videoId);
    startRunner({ allowPrivate: false });
    const [first] = await waitFor("an attempt", async () => {
      const rows = await attempts(id);
      return rows.length > 0 ? rows : undefined;
    });
    expect(first).toMatchObject({ succeeded: false, status_code: null });
    expect(first!.error).toMatch(/refused: .*127\.0\.0\.1.*(loopback|private)/);
    expect(hook.received).toHaveLength(0);
  });

  it("queues video.failed with the failure's code, and nothing for events the endpoint did not ask for", async () => {
    const hook = await receiver();
    const { videoId, ownerId } = await newVideo();
    const { secret } = await endpoint(ownerId, hook.url, ["video.failed"]);
    await db().query("update videos set status = 'processing' where id = $1", [videoId]);
    await new VideoStore(db()).fail(videoId, "not_a_video", "The file is not a video.");
    startRunner();
    const got = await waitFor("the delivery", async () => hook.received[0]);
    expect(new Webhook(secret).verify(got.body, got.headers)).toMatchObject({
      type: "video.failed",
      data: {
        videoId,
        status: "failed",
        error: { code: "not_a_video", message: "The file is not a video." },
      },
    });
    // A user with no endpoint for an event gets no job at all.
    const other = await newVideo();
    await endpoint(other.ownerId, hook.url, ["video.deleted"]);
    await publishVideo(other.videoId);
    const { rows } = await db().query("select 1 from jobs where type = 'webhook_event' and video_id = $1", [
      other.videoId,
    ]);
    expect(rows).toHaveLength(0);
  });

  it("disables an endpoint that keeps failing past the retry window and fails its delivery", async () => {
    const hook = await receiver();
    hook.answer(...new Array(100).fill(500));
    const { videoId, ownerId } = await newVideo();
    const { id } = await endpoint(ownerId, hook.url);
    // The endpoint has been failing for longer than the window already (earlier deliveries).
    // Without this the test raced its own clock: one delivery's retries end at its event time
    // + the window, so the endpoint (failing since the first attempt) passed the window only
    // if that attempt came within ~100 ms of the event — not so on a loaded machine.
    await db().query(
      "update webhook_endpoints set failing_since = now() - interval '10 seconds' where id = $1",
      [id],
    );
    await publishVideo(videoId);
    startRunner({ windowS: 1 });
    // What the queue and the runner said, should the wait time out (it once did in a full run).
    let seen = "";
    const endpointRow = await waitFor(
      "the endpoint to be disabled",
      async () => {
        const { rows } = await db().query<{ disabled_at: Date | null; disabled_reason: string | null }>(
          "select disabled_at, disabled_reason from webhook_endpoints where id = $1",
          [id],
        );
        const jobs = await db().query(
          "select id, type, state, attempts, locked_by, run_at, last_error from jobs where video_id = $1 order by id",
          [videoId],
        );
        seen = JSON.stringify({ jobs: jobs.rows, logs: logs.slice(-10) }, null, 1);
        return rows[0]?.disabled_at ? rows[0] : undefined;
      },
      20_000,
      () => seen,
    );
    expect(endpointRow.disabled_reason).toMatch(/every delivery failed for 1 second \(last: HTTP 500\)/);
    await waitFor("the delivery to fail", async () =>
      (await deliveries(id))[0]?.state === "failed" ? true : undefined,
    );
    const { rows } = await db().query<{ state: string; last_error: string }>(
      "select state, last_error from jobs where type = 'deliver_webhook' and video_id = $1",
      [videoId],
    );
    expect(rows[0]).toMatchObject({ state: "failed" });
    expect(rows[0]!.last_error).toMatch(/disabled|no success within/);
  });
});

describe("postWebhook (one attempt)", () => {
  const base = { allowPrivate: false, timeoutMs: 2000 };

  it("refuses a name that resolves to any private, loopback, link-local or metadata address", async () => {
    for (const addresses of [
      ["10.1.2.3"],
      ["93.184.215.14", "169.254.169.254"],
      ["::1"],
      ["fd00:ec2::254"],
    ]) {
      const result = await postWebhook("https://hooks.example.com/x", {}, "{}", {
        ...base,
        resolve: async () => addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })),
      });
      expect(result.ok).toBe(false);
      expect(result.error).toMatch(/^refused: hooks\.example\.com resolves to/);
    }
  });

  it("refuses private IP literals, localhost and internal names before any connection", async () => {
    for (const url of [
      "http://127.0.0.1:9/x",
      "http://[::1]/x",
      "http://[::ffff:7f00:1]/x",
      "http://0x7f.1/x",
      "http://169.254.169.254/latest/meta-data/",
      "http://localhost/x",
      "http://metadata.google.internal/x",
      "ftp://example.com/x",
    ]) {
      const result = await postWebhook(url, {}, "{}", base);
      expect(result.error, url).toMatch(/^refused: /);
    }
  });

  it("connects to the address it checked, reads at most 64 KiB of the answer, and keeps 1 KiB", async () => {
    let written = 0;
    const server = http.createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/plain" });
      const chunk = Buffer.alloc(16 * 1024, "a");
      const pump = () => {
        while (written < 50 * 1024 * 1024) {
          written += chunk.length;
          if (!response.write(chunk)) return void response.once("drain", pump);
        }
        response.end();
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      // The name resolves (for this test) to loopback; the connection must go there.
      const result = await postWebhook(`http://receiver.test:${port}/x`, {}, "{}", {
        allowPrivate: true,
        timeoutMs: 5000,
        resolve: async () => [{ address: "127.0.0.1", family: 4 }],
      });
      expect(result).toMatchObject({ ok: true, status: 200 });
      expect(result.body).toHaveLength(1024);
      expect(written).toBeLessThan(10 * 1024 * 1024); // it stopped reading long before the end
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("gives up on a receiver that does not answer within the timeout", async () => {
    const server = http.createServer(() => undefined); // never answers
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const started = Date.now();
      const result = await postWebhook(`http://127.0.0.1:${port}/x`, {}, "{}", {
        allowPrivate: true,
        timeoutMs: 300,
      });
      expect(result).toMatchObject({ ok: false, error: "timed out after 300 ms" });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
