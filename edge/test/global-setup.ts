/**
 * Runs in Node before the workerd tests: a throw-away embedded PostgreSQL with the
 * migrations applied, the WebSocket bridge in front of it, and a "black hole" TCP port
 * that accepts connections and never answers (to prove the edge never hangs on a dead db).
 */
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { startLocalPostgres } from "../../scripts/local/embedded-postgres.ts";
import { startWsBridge } from "../../scripts/local/ws-bridge.ts";
import { applyMigrations } from "../../shared/db/migrate.node.ts";

export default async function setup() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "movio-edge-test-"));
  const pg = await startLocalPostgres({
    dataDir: path.join(dir, "pg"),
    port: Number(process.env.MOVIO_TEST_PG_PORT),
    ephemeral: true,
  });
  await applyMigrations(pg.url);
  const bridge = await startWsBridge({
    port: Number(process.env.MOVIO_TEST_BRIDGE_PORT),
    database: new URL(pg.url).host,
  });
  const downBridge = await startWsBridge({
    port: Number(process.env.MOVIO_TEST_DOWN_BRIDGE_PORT),
    database: `127.0.0.1:${process.env.MOVIO_TEST_DOWN_DB_PORT}`,
  });
  const held: net.Socket[] = [];
  const blackhole = net.createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) =>
    blackhole.listen(Number(process.env.MOVIO_TEST_BLACKHOLE_PORT), "127.0.0.1", resolve),
  );

  return async () => {
    for (const socket of held) socket.destroy();
    blackhole.close();
    await bridge.close();
    await downBridge.close();
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
