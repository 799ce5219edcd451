/**
 * Farm entry point: read config once, start the node, and drain on SIGTERM.
 */
import { readFarmConfig } from "./config.ts";
import { createFarmNode } from "./farm-node.ts";
import { describeMediaBinary, locateMediaTools } from "./media/ffmpeg-locate.ts";
import { tuneGarbageCollector } from "./runtime/gc-tuning.ts";

// Before the node starts streaming (see gc-tuning.ts).
const gcTuned = tuneGarbageCollector();

const config = readFarmConfig();
const media = locateMediaTools(config);
const node = createFarmNode(config, { media, work: config.FARM_WORKERS });

node.server.listen(config.FARM_PORT, config.FARM_HOST, () => {
  node.logger.info(`ffmpeg ${describeMediaBinary(media.ffmpeg)}`);
  if (!gcTuned)
    node.logger.info(
      `V8 ${process.versions.v8}: external memory not counted in the heap limit (Node 24+ does)`,
    );
  node.logger.info(
    `listening on http://${config.FARM_HOST}:${config.FARM_PORT} (tus at /files/, metrics at /metrics)`,
  );
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  node.logger.info(`${signal}: stopping`);
  // Jobs get SHUTDOWN_GRACE_MS to finish, then are aborted and handed back; if even that
  // hangs, leave anyway (the job's lease will expire and another node will take it).
  const force = setTimeout(() => process.exit(1), config.SHUTDOWN_GRACE_MS + 15_000).unref();
  await node.close();
  clearTimeout(force);
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
