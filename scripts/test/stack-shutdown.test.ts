/**
 * Ctrl-C on `npm start` while a video transcodes: the terminal signals the launcher's whole
 * process group, yet the farm must drain and hand its job back before the database stops.
 * Checked from the outside: the stop order in the launcher's output, no settle retries, and —
 * in the database the stack left behind — no job still `running` and the transcode queued
 * again for the next start.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startLocalPostgres } from "../local/embedded-postgres.ts";
import { isPortFree } from "../local/ports.ts";
import { isolatedStackEnv, type StackPorts } from "../local/stack-config.ts";
import { interruptGroup, spawnScript, waitForOutput } from "./support/spawn-script.ts";
import { uploadWithTus } from "./support/tus-upload.ts";

let dataDir: string;
let env: Record<string, string>;
let ports: StackPorts;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "movio-shutdown-test-"));
  ({ env, ports } = await isolatedStackEnv(dataDir));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Long enough that the transcode is still running a second after it starts. */
async function source(): Promise<Buffer> {
  const file = path.join(dataDir, "source.mp4");
  execFileSync("ffmpeg", [
    "-y",
    "-loglevel",
    "error",
    ...["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30"],
    ...["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"],
    ...["-t", "40", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "35", "-c:a", "aac", "-shortest"],
    file,
  ]);
  return readFile(file);
}

async function api<T>(url: string, init: RequestInit & { token?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const response = await fetch(url, { ...init, headers });
  if (!response.ok)
    throw new Error(`${init.method ?? "GET"} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

it("Ctrl-C mid-transcode: the farm hands its job back before the database stops", async () => {
  const launched = spawnScript("scripts/start.ts", { ...env, SHUTDOWN_GRACE_MS: "500" }, { detached: true });
  const databaseUrl = `postgres://movio:movio-local@127.0.0.1:${ports.PG_PORT}/movio`;
  let stopped = false;
  try {
    await waitForOutput(launched, /Movio is ready/, 150_000);
    const edge = `http://127.0.0.1:${ports.EDGE_PORT}`;
    const { accessToken } = await api<{ accessToken: string }>(`${edge}/api/v1/auth/signup`, {
      method: "POST",
      body: JSON.stringify({
        email: "stop@example.com",
        password: "correct horse battery",
        displayName: "Stop",
      }),
    });
    const { video, upload } = await api<{
      video: { id: string };
      upload: { endpoint: string; token: string };
    }>(`${edge}/api/v1/videos`, {
      method: "POST",
      token: accessToken,
      body: JSON.stringify({ title: "Interrupted", visibility: "public" }),
    });
    const bytes = await source();
    await uploadWithTus(upload, bytes);

    // Wait for the transcode to be under way on the farm, then press Ctrl-C.
    const client = new pg.Client(databaseUrl);
    await client.connect();
    try {
      const until = Date.now() + 60_000;
      for (;;) {
        const { rows } = await client.query(
          "select state from jobs where video_id = $1 and type = 'transcode'",
          [video.id],
        );
        if (rows[0]?.state === "running") break;
        if (Date.now() > until) throw new Error(`transcode never ran: ${JSON.stringify(rows)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      await client.end();
    }
    expect(await interruptGroup(launched)).toBe(0);
    stopped = true;

    const out = launched.output();
    expect(out).toContain("handed back to the queue (shutdown)");
    expect(out).not.toMatch(/settle failed|ECONNREFUSED/);
    const order = ["farm stopped", "edge stopped", "database stopped"].map((line) => out.indexOf(line));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    for (const port of Object.values(ports)) expect(await isPortFree(port)).toBe(true);

    // What the next start finds: the job queued again, nothing left running.
    const db = await startLocalPostgres({ dataDir: path.join(dataDir, "postgres"), port: ports.PG_PORT });
    try {
      const client = new pg.Client(db.url);
      await client.connect();
      const running = await client.query("select id, type from jobs where state = 'running'");
      const transcode = await client.query(
        "select state, locked_by from jobs where video_id = $1 and type = 'transcode'",
        [video.id],
      );
      const status = await client.query("select status from videos where id = $1", [video.id]);
      await client.end();
      expect(running.rows).toEqual([]);
      expect(transcode.rows).toEqual([{ state: "queued", locked_by: null }]);
      expect(status.rows).toEqual([{ status: "processing" }]);
    } finally {
      await db.stop();
    }
  } finally {
    if (!stopped) await interruptGroup(launched);
  }
});
