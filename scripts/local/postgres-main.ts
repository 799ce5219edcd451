/**
 * Entry point of the local database process that `npm start` runs: the embedded PostgreSQL,
 * in a process group of its own (the launcher spawns this detached), so Ctrl-C in a terminal
 * — which signals the launcher's whole foreground group — never reaches the database. The
 * launcher stops it last, after the farm has handed its jobs back and the edge has stopped.
 *
 * Protocol: prints `ready <url>` on stdout once it accepts connections; SIGTERM or SIGINT
 * stops the server (fast shutdown) and exits 0; it also stops if its parent goes away.
 * Arguments: <dataDir> <port>.
 */
import { startLocalPostgres } from "./embedded-postgres.ts";

const [dataDir, port] = process.argv.slice(2);
if (!dataDir || !port) {
  console.error("usage: postgres-main.ts <dataDir> <port>");
  process.exit(2);
}

const pg = await startLocalPostgres({ dataDir, port: Number(port) });
let stopping = false;
async function stop(): Promise<never> {
  if (!stopping) {
    stopping = true;
    await pg.stop();
  }
  process.exit(0);
}
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => void stop());
// Orphaned (the launcher was killed): do not keep the port and the data directory busy.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) void stop();
}, 500).unref();
console.log(`ready ${pg.url}`);
