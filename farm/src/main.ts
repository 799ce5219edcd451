/**
 * Farm entry point: read config once, open the database, serve HTTP, and drain on SIGTERM.
 */
import { readFarmConfig } from "./config.ts";
import { createDbPool } from "./db/pool.ts";
import { createFarmServer } from "./http/server.ts";
import { describeMediaBinary, locateMediaTools } from "./media/ffmpeg-locate.ts";

const config = readFarmConfig();
const media = locateMediaTools(config);
const db = createDbPool(config);
const server = createFarmServer({ config, db });

server.listen(config.FARM_PORT, config.FARM_HOST, () => {
  console.log(`[farm] ffmpeg ${describeMediaBinary(media.ffmpeg)}`);
  console.log(`[farm] listening on http://${config.FARM_HOST}:${config.FARM_PORT}`);
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`[farm] ${signal}: stopping`);
  const force = setTimeout(() => process.exit(1), config.SHUTDOWN_GRACE_MS).unref();
  server.closeIdleConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await db.end();
  clearTimeout(force);
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
