/**
 * The launcher's side of the local database process (postgres-main.ts): spawns it detached
 * (its own process group, out of reach of the terminal's Ctrl-C) and resolves with its URL
 * once it says `ready`. Its stop() is what stops the database, and the launcher calls it
 * last, so the farm can still settle its jobs while it drains.
 */
import path from "node:path";
import { type Child, spawnChild } from "./children.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
/** Postgres' fast shutdown of a small local cluster takes well under a second. */
const STOP_GRACE_MS = 15_000;

export interface DatabaseProcess {
  url: string;
  stop(): Promise<void>;
}

export async function startDatabaseProcess(options: {
  dataDir: string;
  port: number;
  readyTimeoutMs: number;
}): Promise<DatabaseProcess> {
  let onReady: (url: string) => void = () => undefined;
  const ready = new Promise<string>((resolve) => {
    onReady = resolve;
  });
  const child: Child = spawnChild(
    "database",
    process.execPath,
    ["--import", "tsx", "scripts/local/postgres-main.ts", options.dataDir, String(options.port)],
    {
      cwd: ROOT,
      env: process.env,
      onLine: (line) => {
        const match = /^ready (\S+)$/.exec(line);
        if (match?.[1]) onReady(match[1]);
        else if (line.trim()) console.log(`[database] ${line}`);
      },
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then((url) => ({ url })),
    child.exited.then((code) => ({
      error: `the database process exited (code ${code}) before it was ready`,
    })),
    new Promise<{ error: string }>((resolve) => {
      timer = setTimeout(
        () => resolve({ error: `the database was not ready within ${options.readyTimeoutMs} ms` }),
        options.readyTimeoutMs,
      );
    }),
  ]);
  clearTimeout(timer);
  if ("error" in outcome) {
    await child.stop(STOP_GRACE_MS);
    throw new Error(outcome.error);
  }
  return { url: outcome.url, stop: () => child.stop(STOP_GRACE_MS) };
}
