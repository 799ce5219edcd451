/**
 * Wires one farm node from its config: database pools, upload service, HTTP server. Used by
 * main.ts and by tests, which start real nodes in-process.
 */

import type http from "node:http";
import { hostname } from "node:os";
import pg from "pg";
import type { FarmConfig } from "../../shared/config/farm-config.ts";
import { createDbPool } from "./db/pool.ts";
import { createFarmServer } from "./http/server.ts";
import { createTusService } from "./uploads/tus-server.ts";
import { UploadAuth, uploadKeySource } from "./uploads/upload-auth.ts";
import { VideoStore } from "./videos/video-store.ts";

export interface FarmNode {
  nodeId: string;
  server: http.Server;
  db: pg.Pool;
  /** Stops taking requests and closes every pool. */
  close(): Promise<void>;
}

const EXPIRY_SWEEP_MS = 10 * 60_000;

export function createFarmNode(config: FarmConfig, log: (line: string) => void = console.log): FarmNode {
  const nodeId = config.FARM_NODE_ID ?? `${hostname()}-${process.pid}`;
  const db = createDbPool(config);
  // Each in-flight upload holds one connection for its advisory lock.
  const lockPool = new pg.Pool({
    connectionString: config.DATABASE_URL,
    max: 100,
    idleTimeoutMillis: 10_000,
  });
  lockPool.on("error", () => undefined);
  const tus = createTusService({
    config,
    db,
    lockPool,
    videos: new VideoStore(db),
    auth: new UploadAuth(uploadKeySource(config)),
    log: (line) => log(`[farm ${nodeId}] ${line}`),
  });
  const server = createFarmServer({ config, db, tus });

  const sweep = setInterval(() => {
    tus.store.deleteExpired().then(
      (n) => n > 0 && log(`[farm ${nodeId}] expired ${n} abandoned upload(s)`),
      (err) => log(`[farm ${nodeId}] expiry sweep failed: ${(err as Error).message}`),
    );
  }, EXPIRY_SWEEP_MS).unref();

  return {
    nodeId,
    server,
    db,
    close: async () => {
      clearInterval(sweep);
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await tus.locker.close();
      await lockPool.end();
      await db.end();
    },
  };
}
