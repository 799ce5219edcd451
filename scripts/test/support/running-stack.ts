/**
 * Test support: the whole local platform started as `npm start` does (same entry script), on
 * free ports and a temporary data directory, for browser tests of the web app. One stack per
 * test file; `stop()` sends the Ctrl-C a terminal would and removes the data.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { isolatedStackEnv, type StackPorts } from "../../local/stack-config.ts";
import { type Spawned, spawnScript } from "./spawn-script.ts";

export interface RunningStack {
  ports: StackPorts;
  env: Record<string, string>;
  edge: string;
  farm: string;
  output: () => string;
  stop(): Promise<void>;
}

export async function startRunningStack(extraEnv: Record<string, string> = {}): Promise<RunningStack> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "movio-web-test-"));
  const { env, ports } = await isolatedStackEnv(dataDir);
  const launched = spawnScript("scripts/start.ts", { ...env, ...extraEnv }, { detached: true });
  try {
    await waitForLine(launched, /Movio is ready/, 150_000);
  } catch (err) {
    await stopLaunched(launched);
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    ports,
    env,
    edge: `http://127.0.0.1:${ports.EDGE_PORT}`,
    farm: `http://127.0.0.1:${ports.FARM_PORT}`,
    output: launched.output,
    async stop() {
      await stopLaunched(launched);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function waitForLine(launched: Spawned, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(launched.output())) {
    if (launched.child.exitCode !== null) throw new Error(`launcher exited:\n${launched.output()}`);
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${launched.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function stopLaunched(launched: Spawned): Promise<void> {
  if (launched.child.exitCode !== null || !launched.child.pid) return;
  process.kill(-launched.child.pid, "SIGINT");
  const timer = setTimeout(() => launched.child.pid && process.kill(-launched.child.pid, "SIGKILL"), 20_000);
  await launched.exited;
  clearTimeout(timer);
}
