/**
 * Wires one farm node from its config: database pools, upload service, HTTP server. Used by
 * main.ts and by tests, which start real nodes in-process.
 */

import type http from "node:http";
import { hostname } from "node:os";
import pg from "pg";
import type { FarmConfig } from "../../shared/config/farm-config.ts";
import { createS3Client, farmS3Settings } from "../../shared/storage/s3-client.ts";
import { createDbPool } from "./db/pool.ts";
import { createFarmServer } from "./http/server.ts";
import { JobQueue } from "./jobs/job-queue.ts";
import { jobPolicies } from "./jobs/job-types.ts";
import { purgeHandler } from "./jobs/purge-job.ts";
import { transcodeHandler } from "./jobs/transcode-job.ts";
import { Worker } from "./jobs/worker.ts";
import { Ffmpeg } from "./media/ffmpeg.ts";
import { locateMediaTools, type MediaTools } from "./media/ffmpeg-locate.ts";
import { ObjectStorage } from "./storage/object-storage.ts";
import { createTusService } from "./uploads/tus-server.ts";
import { UploadAuth, uploadKeySource } from "./uploads/upload-auth.ts";
import { VideoStore } from "./videos/video-store.ts";

export interface FarmNode {
  nodeId: string;
  /** Runs the abandoned-upload sweep now (it also runs on a timer). */
  expireAbandonedUploads(): Promise<number>;
  server: http.Server;
  /** Stops taking requests and closes every pool. */
  close(): Promise<void>;
}

const EXPIRY_SWEEP_MS = 10 * 60_000;

export interface FarmNodeOptions {
  log?: (line: string) => void;
  media?: MediaTools;
  /** Run job workers on this node (default true). */
  work?: boolean;
}

export function createFarmNode(config: FarmConfig, options: FarmNodeOptions = {}): FarmNode {
  const log = options.log ?? console.log;
  const nodeId = config.FARM_NODE_ID ?? `${hostname()}-${process.pid}`;
  const db = createDbPool(config);
  const nodeLog = (line: string) => log(`[farm ${nodeId}] ${line}`);
  // Each in-flight upload holds one connection for its advisory lock.
  const lockPool = new pg.Pool({
    connectionString: config.DATABASE_URL,
    max: 100,
    idleTimeoutMillis: 10_000,
  });
  lockPool.on("error", () => undefined);
  const s3 = createS3Client(farmS3Settings(config));
  const storage = new ObjectStorage(s3, config.S3_BUCKET);
  const videos = new VideoStore(db);
  const tus = createTusService({
    config,
    db,
    lockPool,
    videos,
    auth: new UploadAuth(uploadKeySource(config)),
    storage,
    log: nodeLog,
  });
  const server = createFarmServer({ config, db, tus });

  const queue = new JobQueue(db, nodeId, config.JOB_LEASE_MS);
  const ffmpeg = new Ffmpeg(options.media ?? locateMediaTools(config));
  const worker = new Worker(
    queue,
    jobPolicies(config),
    {
      transcode: transcodeHandler({ config, ffmpeg, storage, videos, queue, log: nodeLog }),
      purge_video: purgeHandler({ storage, db, log: nodeLog }),
    },
    { pollMs: config.JOB_POLL_MS, leaseMs: config.JOB_LEASE_MS, log: nodeLog },
  );
  if (options.work !== false) worker.start();

  const sweep = setInterval(
    () => {
      tus.expireAbandoned().then(
        (n) => n > 0 && nodeLog(`expired ${n} abandoned upload(s)`),
        (err) => nodeLog(`expiry sweep failed: ${(err as Error).message}`),
      );
    },
    Math.min(EXPIRY_SWEEP_MS, config.UPLOAD_EXPIRY_S * 1000),
  ).unref();

  return {
    nodeId,
    expireAbandonedUploads: () => tus.expireAbandoned(),
    server,
    close: async () => {
      clearInterval(sweep);
      // Stop taking uploads at once; uploads in flight and running jobs get the grace period,
      // then connections are cut (tus clients resume on another node) and jobs go back to the queue.
      const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_GRACE_MS).unref();
      await worker.stop(config.SHUTDOWN_GRACE_MS);
      await httpClosed;
      clearTimeout(cut);
      await tus.locker.close();
      await lockPool.end();
      await db.end();
      s3.destroy();
    },
  };
}
