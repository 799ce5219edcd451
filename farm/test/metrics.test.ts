/**
 * GET /metrics on real farm nodes (Postgres queue, local S3, ffmpeg): jobs run (one fails, one
 * is retried, one loses its lease), uploads, S3 errors and ffmpeg failures move the counters;
 * every series carries the node; the job counts come from Postgres. And the node's log: one
 * JSON line per request and per job event.
 */
import { request } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { enqueueQuery } from "../../shared/jobs/enqueue.ts";
import type { FarmNode } from "../src/farm-node.ts";
import { closeDb, db, newVideo, startNode } from "./support/farm-env.ts";
import { fixtures } from "./support/fixtures.ts";
import { tusUpload } from "./support/tus-upload.ts";
import { waitFor } from "./support/wait-for.ts";

// Exact counts below: no job left queued by another test file may run on these nodes.
beforeAll(async () => {
  await db().query("update jobs set state = 'cancelled' where state in ('queued', 'running')");
});

const nodes: FarmNode[] = [];
afterEach(async () => {
  for (const node of nodes.splice(0)) await node.close();
});
afterAll(closeDb);

/** One scrape: `name{labels}` → value, and the raw text. */
async function scrape(url: string) {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  const samples = text
    .split("\n")
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const cut = line.lastIndexOf(" ");
      const series = line.slice(0, cut);
      const brace = series.indexOf("{");
      const labels = Object.fromEntries(
        [...(brace < 0 ? "" : series.slice(brace + 1, -1)).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(
          (m) => [m[1], m[2]],
        ),
      );
      return {
        name: brace < 0 ? series : series.slice(0, brace),
        labels,
        value: Number(line.slice(cut + 1)),
      };
    });
  /** The sum of the samples of `name` whose labels include `labels`. */
  const value = (name: string, labels: Record<string, string> = {}) =>
    samples
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((sum, s) => sum + s.value, 0);
  return { text, samples, value };
}

async function start(overrides: Record<string, string>, logs?: string[]) {
  const farm = await startNode(
    { JOB_POLL_MS: "100", ...overrides },
    { work: true, ...(logs ? { log: (line: string) => logs.push(line) } : {}) },
  );
  nodes.push(farm.node);
  return farm;
}

const jobOf = async (videoId: string, type: string) =>
  (
    await db().query<{ id: string; state: string; attempts: number; locked_by: string | null }>(
      "select id, state, attempts, locked_by from jobs where video_id = $1 and type = $2 order by id desc limit 1",
      [videoId, type],
    )
  ).rows[0];

const settled = (videoId: string) =>
  waitFor(`video ${videoId} to settle`, async () => {
    const { rows } = await db().query<{ status: string }>("select status from videos where id = $1", [
      videoId,
    ]);
    const status = rows[0]?.status;
    return status === "ready" || status === "failed" ? status : undefined;
  });

describe("farm GET /metrics", () => {
  it("counts jobs by outcome, transcode speed, uploads, ffmpeg failures and the queue, all labelled with the node", async () => {
    const logs: string[] = [];
    const farm = await start({ FARM_NODE_ID: "metrics-a" }, logs);
    const before = await scrape(farm.url);

    // Process defaults, and the node on every series.
    expect(before.value("process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(before.value("nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
    for (const sample of before.samples) expect(sample.labels.node, sample.name).toBe("metrics-a");

    // One video that transcodes, one file that is not a video (its job fails for good).
    const good = await newVideo();
    const video = fixtures.landscape(3, "640x360");
    await tusUpload(farm.url, good.token, video);
    const bad = await newVideo();
    const junk = fixtures.junk();
    await tusUpload(farm.url, bad.token, junk);
    expect(await settled(good.videoId)).toBe("ready");
    expect(await settled(bad.videoId)).toBe("failed");

    const after = await scrape(farm.url);
    const moved = (name: string, labels: Record<string, string> = {}) =>
      after.value(name, labels) - before.value(name, labels);
    expect(moved("movio_job_duration_seconds_count", { type: "transcode", outcome: "done" })).toBe(1);
    expect(moved("movio_job_duration_seconds_count", { type: "transcode", outcome: "failed" })).toBe(1);
    expect(moved("movio_job_duration_seconds_sum", { type: "transcode", outcome: "done" })).toBeGreaterThan(
      0,
    );
    expect(
      after.value("movio_job_duration_seconds_bucket", { type: "transcode", outcome: "done", le: "+Inf" }),
    ).toBe(after.value("movio_job_duration_seconds_count", { type: "transcode", outcome: "done" }));
    expect(moved("movio_transcode_speed_ratio_count")).toBe(1);
    expect(moved("movio_transcode_source_seconds_total")).toBeCloseTo(3, 0);
    expect(moved("movio_transcode_wall_seconds_total")).toBeGreaterThan(0);
    // ffprobe refused the junk (non-zero exit), and nothing else failed.
    expect(moved("movio_ffmpeg_failures_total", { tool: "ffprobe", reason: "exit" })).toBe(1);
    expect(moved("movio_ffmpeg_failures_total", { tool: "ffmpeg" })).toBe(0);
    // Every byte of both files counted; nothing in progress any more; no failure.
    expect(moved("movio_upload_received_bytes_total")).toBe(video.length + junk.length);
    expect(after.value("movio_uploads_in_progress")).toBe(0);
    expect(moved("movio_upload_failures_total")).toBe(0);
    expect(moved("movio_s3_errors_total")).toBe(0);

    // The queue as Postgres has it: both transcodes settled; every type and state is present.
    const { rows } = await db().query<{ state: string; n: number }>(
      "select state, count(*)::int as n from jobs where type = 'transcode' group by state",
    );
    // (Read at most every 5 s, so the first scrapes may still show the jobs running.)
    const counted = await waitFor("the job counts to catch up", async () => {
      const scraped = await scrape(farm.url);
      return rows.every(({ state, n }) => scraped.value("movio_jobs", { type: "transcode", state }) === n)
        ? scraped
        : undefined;
    });
    expect(counted.value("movio_jobs", { type: "transcode", state: "failed" })).toBeGreaterThanOrEqual(1);
    expect(
      after.samples.filter((s) => s.name === "movio_jobs" && s.labels.type === "purge_video"),
    ).toHaveLength(5);
    expect(after.value("movio_jobs_oldest_queued_age_seconds", { type: "transcode" })).toBeGreaterThanOrEqual(
      0,
    );
    expect(after.text).toContain("# TYPE movio_job_duration_seconds histogram");

    // The node's log: JSON lines; requests and job events carry their fields and the node.
    const entries = logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const entry of entries) {
      expect(entry).toMatchObject({ node: "metrics-a", level: expect.any(String), msg: expect.any(String) });
      expect(Date.parse(String(entry.time))).toBeGreaterThan(0);
    }
    const patches = entries.filter((e) => e.msg === "request" && e.method === "PATCH");
    expect(patches.length).toBeGreaterThanOrEqual(2);
    expect(patches[0]).toMatchObject({
      requestId: expect.any(String),
      path: expect.stringMatching(/^\/files\/[0-9a-f-]{36}$/),
      status: 204,
      durationMs: expect.any(Number),
    });
    const jobEvents = entries.filter((e) => e.videoId === bad.videoId && String(e.event).startsWith("job."));
    expect(jobEvents.map((e) => e.event)).toEqual(["job.started", "job.failed"]);
    expect(jobEvents[1]).toMatchObject({
      level: "error",
      jobId: expect.any(Number),
      type: "transcode",
      attempt: 1,
      outcome: "failed",
      durationMs: expect.any(Number),
      error: expect.any(String),
    });
    expect(entries.find((e) => e.videoId === good.videoId && e.event === "job.done")).toMatchObject({
      level: "info",
      type: "transcode",
      outcome: "done",
    });
    // Scrapes and probes are logged at debug only (the default level is info).
    expect(entries.filter((e) => e.path === "/metrics")).toEqual([]);
  });

  it("counts retries, S3 errors by operation and lease losses", async () => {
    // A node whose S3 is unreachable: a purge fails on S3 and is queued again.
    const broken = await start({ FARM_NODE_ID: "metrics-b", S3_ENDPOINT: "http://127.0.0.1:9" });
    const { videoId } = await newVideo();
    await db().query(enqueueQuery({ type: "purge_video", videoId, payload: {} }));
    await waitFor("the purge to fail once", async () => {
      const job = await jobOf(videoId, "purge_video");
      return job && job.state === "queued" && job.attempts === 1 ? job : undefined;
    });
    const b = await scrape(broken.url);
    expect(b.value("movio_job_retries_total", { type: "purge_video", node: "metrics-b" })).toBe(1);
    expect(b.value("movio_job_duration_seconds_count", { type: "purge_video", outcome: "retry" })).toBe(1);
    expect(b.value("movio_s3_errors_total", { operation: "DeleteObjects" })).toBeGreaterThan(0);
    await db().query("update jobs set state = 'cancelled' where video_id = $1", [videoId]);

    // A transcode whose lease another node takes over while it runs.
    await nodes.splice(nodes.indexOf(broken.node), 1)[0]?.close();
    const farm = await start({ FARM_NODE_ID: "metrics-c", JOB_LEASE_MS: "1000" });
    const before = await scrape(farm.url);
    const stolen = await newVideo();
    await tusUpload(farm.url, stolen.token, fixtures.landscape(8, "640x360"));
    const running = await waitFor(
      "the transcode to run",
      async () => {
        const job = await jobOf(stolen.videoId, "transcode");
        return job?.state === "running" ? job : undefined;
      },
      30_000,
    );
    await db().query("update jobs set locked_by = 'another-node' where id = $1", [running.id]);
    const after = await waitFor("the lease loss to be counted", async () => {
      const scraped = await scrape(farm.url);
      return scraped.value("movio_job_lease_lost_total", { type: "transcode" }) >
        before.value("movio_job_lease_lost_total", { type: "transcode" })
        ? scraped
        : undefined;
    });
    expect(after.value("movio_job_duration_seconds_count", { type: "transcode", outcome: "lost" })).toBe(
      before.value("movio_job_duration_seconds_count", { type: "transcode", outcome: "lost" }) + 1,
    );
    // The encode was cut: ffmpeg stopped by us, not failed on its own.
    expect(after.value("movio_ffmpeg_failures_total", { tool: "ffmpeg", reason: "exit" })).toBe(
      before.value("movio_ffmpeg_failures_total", { tool: "ffmpeg", reason: "exit" }),
    );
    await db().query("update jobs set state = 'cancelled' where id = $1", [running.id]);
  });

  it("counts an upload cut before its answer as a failed upload", async () => {
    const farm = await start({ FARM_NODE_ID: "metrics-d" });
    const before = await scrape(farm.url);
    const { token } = await newVideo();
    const created = await fetch(`${farm.url}/files/`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "tus-resumable": "1.0.0", "upload-length": "10000000" },
    });
    expect(created.status).toBe(201);
    // Half a PATCH, then the connection goes.
    const url = new URL(created.headers.get("location") ?? "");
    const patch = request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: "PATCH",
      headers: {
        authorization: `Bearer ${token}`,
        "tus-resumable": "1.0.0",
        "upload-offset": "0",
        "content-type": "application/offset+octet-stream",
        "content-length": "10000000",
      },
    });
    patch.on("error", () => undefined);
    patch.write(Buffer.alloc(256 * 1024));
    await waitFor("the PATCH to stream", async () => {
      const scraped = await scrape(farm.url);
      return scraped.value("movio_uploads_in_progress") === 1 ? scraped : undefined;
    });
    patch.destroy();
    const after = await waitFor("the cut upload to be counted", async () => {
      const scraped = await scrape(farm.url);
      return scraped.value("movio_upload_failures_total", { reason: "aborted" }) >
        before.value("movio_upload_failures_total", { reason: "aborted" })
        ? scraped
        : undefined;
    });
    expect(after.value("movio_uploads_in_progress")).toBe(0);
    expect(
      after.value("movio_upload_received_bytes_total") - before.value("movio_upload_received_bytes_total"),
    ).toBeGreaterThan(0);
  });
});
