/**
 * Starts the whole local platform in dependency order — database, migrations, bridge,
 * object store, CDN origin, mail sink, farm, edge — and stops it in reverse, one at a time: the farm
 * first (it drains and hands its jobs back, which needs the database and the bucket), then
 * the edge, the CDN, the object store, the bridge and the database last. Every child runs in
 * a process group of its own, so a terminal's Ctrl-C reaches only the launcher, which then
 * stops them in that order. Everything binds to 127.0.0.1; nothing needs a system service.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { describeMediaBinary, locateMediaTools } from "../../farm/src/media/ffmpeg-locate.ts";
import { tuneGarbageCollector } from "../../farm/src/runtime/gc-tuning.ts";
import { edgeConfigSchema } from "../../shared/config/edge-config.ts";
import { applyMigrations } from "../../shared/db/migrate.node.ts";
import { createS3Client } from "../../shared/storage/s3-client.ts";
import { startCdnOrigin } from "./cdn-origin.ts";
import { type Child, spawnChild } from "./children.ts";
import { startDatabaseProcess } from "./database-process.ts";
import { ensureLocalCdnSecret, ensureLocalSigningKey, writeEdgeEnvFile } from "./local-keys.ts";
import { startMailSink } from "./mail-sink.ts";
import { assertPortsFree } from "./ports.ts";
import { startLocalS3 } from "./s3/s3-server.ts";
import { portsToBind, type StackConfig } from "./stack-config.ts";
import { waitHealthy } from "./wait-healthy.ts";
import { startWsBridge } from "./ws-bridge.ts";

const require = createRequire(import.meta.url);
const ROOT = path.resolve(import.meta.dirname, "../..");

export interface RunningStack {
  /** `mail`: the local mail sink's web UI + REST API, or null when SMTP_URL names a real server. */
  urls: { edge: string; farm: string; s3: string; cdn: string; database: string; mail: string | null };
  stop(): Promise<void>;
}

type Log = (line: string) => void;

export async function startStack(config: StackConfig, log: Log): Promise<RunningStack> {
  await assertPortsFree(portsToBind(config));
  const stops: (() => Promise<void>)[] = [];
  const timed = (name: string, fn: () => Promise<void>) => async () => {
    const started = Date.now();
    await fn();
    log(`${name} stopped in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };
  const stop = async () => {
    for (const fn of stops.splice(0).reverse())
      await fn().catch((err) => log(`stop: ${(err as Error).message}`));
  };
  try {
    const dataDir = path.resolve(ROOT, config.MOVIO_DATA_DIR);
    const media = locateMediaTools(config);
    log(`ffmpeg: ${describeMediaBinary(media.ffmpeg)}`);
    log(`ffprobe: ${describeMediaBinary(media.ffprobe)}`);

    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      const pg = await startDatabaseProcess({
        dataDir: path.join(dataDir, "postgres"),
        port: config.PG_PORT,
        readyTimeoutMs: config.STACK_READY_TIMEOUT_MS,
      });
      stops.push(timed("database", pg.stop));
      databaseUrl = pg.url;
      log(
        `database: embedded PostgreSQL 17 on 127.0.0.1:${config.PG_PORT} (data in ${path.join(dataDir, "postgres")})`,
      );
    } else {
      log(`database: ${redact(databaseUrl)} (DATABASE_URL)`);
    }
    await applyMigrations(databaseUrl);
    log("database: migrations applied");

    const bridge = await startWsBridge({ port: config.DB_WS_PROXY_PORT, database: hostAndPort(databaseUrl) });
    stops.push(bridge.close);

    let s3Endpoint = config.S3_ENDPOINT;
    if (!s3Endpoint) {
      // This process then serves every byte the farm reads and writes: the farm's GC setting.
      tuneGarbageCollector();
      const s3 = await startLocalS3({
        directory: path.join(dataDir, "s3"),
        port: config.S3_PORT,
        accessKeyId: config.S3_ACCESS_KEY_ID,
        secretAccessKey: config.S3_SECRET_ACCESS_KEY,
        buckets: [config.S3_BUCKET],
      });
      stops.push(s3.close);
      s3Endpoint = s3.endpoint;
    }
    const s3Client = createS3Client({
      endpoint: s3Endpoint,
      region: config.S3_REGION,
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
      forcePathStyle: true,
    });
    const cdnSecret = config.CDN_TOKEN_SECRET ?? (await ensureLocalCdnSecret(dataDir));
    const cdn = await startCdnOrigin({
      port: config.CDN_PORT,
      s3: s3Client,
      bucket: config.S3_BUCKET,
      tokenSecret: cdnSecret,
      bindIp: config.PLAYBACK_BIND_IP,
    });
    stops.push(async () => {
      await cdn.close();
      s3Client.destroy();
    });

    let smtpUrl = config.SMTP_URL;
    let mailUrl: string | null = null;
    if (!smtpUrl) {
      const sink = await startMailSink({ smtpPort: config.MAIL_SMTP_PORT, webPort: config.MAIL_WEB_PORT });
      stops.push(sink.close);
      smtpUrl = sink.smtpUrl;
      mailUrl = sink.webUrl;
    }

    const farm = config.STACK_FARM
      ? startFarm(config, {
          databaseUrl,
          s3Endpoint,
          smtpUrl,
          ffmpeg: media.ffmpeg.path,
          ffprobe: media.ffprobe.path,
        })
      : undefined;
    if (!farm) log(`farm: not started (STACK_FARM=false); the edge expects one on port ${config.FARM_PORT}`);
    let edge: Child | undefined;
    // Farm first — its jobs get SHUTDOWN_GRACE_MS to finish, then are aborted and handed
    // back — and the edge after it, though the edge started later.
    stops.push(async () => {
      if (farm) await timed("farm", () => farm.stop(config.SHUTDOWN_GRACE_MS + 15_000))();
      if (edge) await timed("edge", () => (edge as Child).stop())();
    });
    edge = await startEdge(config, dataDir, databaseUrl, cdnSecret);
    const edgeChild = edge;

    const urls = {
      edge: `http://127.0.0.1:${config.EDGE_PORT}`,
      farm: `http://127.0.0.1:${config.FARM_PORT}`,
      s3: s3Endpoint,
      cdn: cdn.url,
      database: redact(databaseUrl),
      mail: mailUrl,
    };
    const alive = (child: Child) => () =>
      child.process.exitCode === null && child.process.signalCode === null;
    await Promise.all([
      farm && waitHealthy(`${urls.farm}/healthz`, config.STACK_READY_TIMEOUT_MS, alive(farm)),
      waitHealthy(`${urls.edge}/healthz`, config.STACK_READY_TIMEOUT_MS, alive(edgeChild)),
    ]);
    return { urls, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function startFarm(
  config: StackConfig,
  deps: { databaseUrl: string; s3Endpoint: string; smtpUrl: string; ffmpeg: string; ffprobe: string },
): Child {
  return spawnChild("farm", process.execPath, ["--import", "tsx", "farm/src/main.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      FARM_HOST: "127.0.0.1",
      FARM_PORT: String(config.FARM_PORT),
      DATABASE_URL: deps.databaseUrl,
      S3_ENDPOINT: deps.s3Endpoint,
      S3_BUCKET: config.S3_BUCKET,
      S3_REGION: config.S3_REGION,
      S3_ACCESS_KEY_ID: config.S3_ACCESS_KEY_ID,
      S3_SECRET_ACCESS_KEY: config.S3_SECRET_ACCESS_KEY,
      FFMPEG_PATH: deps.ffmpeg,
      FFPROBE_PATH: deps.ffprobe,
      SMTP_URL: deps.smtpUrl,
      EDGE_JWKS_URL: `http://127.0.0.1:${config.EDGE_PORT}/.well-known/jwks.json`,
      // Links in the mails the farm writes point at the edge, as the edge's own links do.
      PUBLIC_BASE_URL: process.env.PUBLIC_BASE_URL || `http://127.0.0.1:${config.EDGE_PORT}`,
      // Webhook receivers on this machine are the point of a local stack (never in production).
      WEBHOOK_ALLOW_PRIVATE: process.env.WEBHOOK_ALLOW_PRIVATE || "true",
      // Logs for people at a terminal; an exported LOG_FORMAT (e.g. json) wins.
      LOG_FORMAT: process.env.LOG_FORMAT || "pretty",
    },
  });
}

async function startEdge(
  config: StackConfig,
  dataDir: string,
  databaseUrl: string,
  cdnSecret: string,
): Promise<Child> {
  const wrangler = require.resolve("wrangler/bin/wrangler.js");
  const vars: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    PUBLIC_BASE_URL: `http://127.0.0.1:${config.EDGE_PORT}`,
    UPLOAD_ENDPOINT: `http://127.0.0.1:${config.FARM_PORT}/files/`,
    JWT_PRIVATE_JWK: await ensureLocalSigningKey(dataDir),
    CDN_BASE_URL: `http://127.0.0.1:${config.CDN_PORT}`,
    CDN_TOKEN_SECRET: cdnSecret,
    PLAYBACK_BIND_IP: String(config.PLAYBACK_BIND_IP),
    WEBHOOK_ALLOW_PRIVATE: "true",
    LOG_FORMAT: "pretty",
  };
  // Any edge setting exported by the developer (or in .env) wins over the local defaults.
  for (const name of Object.keys(edgeConfigSchema.shape)) {
    const value = process.env[name];
    if (value && name !== "DATABASE_URL") vars[name] = value;
  }
  // Neon answers the driver itself; any other Postgres is reached through the local bridge (POST /sql).
  if (!new URL(databaseUrl).hostname.endsWith(".neon.tech")) {
    vars.DB_WS_PROXY = `127.0.0.1:${config.DB_WS_PROXY_PORT}`;
  }
  const args = [
    wrangler,
    "dev",
    "--ip=127.0.0.1",
    `--port=${config.EDGE_PORT}`,
    `--inspector-port=${config.EDGE_INSPECTOR_PORT}`,
    `--persist-to=${path.join(dataDir, "wrangler")}`,
    "--show-interactive-dev-session=false",
    "--log-level=info",
    `--env-file=${await writeEdgeEnvFile(dataDir, vars)}`,
  ];
  return spawnChild("edge", process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "true" },
    onLine: (line) => {
      // workerd cannot fetch Request.cf offline; wrangler falls back to a placeholder.
      if (/Request\.cf|workers\.cloudflare\.com|GetAddrInfoReqWrap|update available/.test(line)) return;
      if (line.trim()) console.log(`[edge] ${line}`);
    },
  });
}

/** `host:port` of a postgres:// URL, as the Neon driver names it when asking the bridge. */
function hostAndPort(url: string): string {
  const { hostname, port } = new URL(url);
  return `${hostname}:${port || "5432"}`;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
