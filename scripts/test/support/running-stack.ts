/**
 * Test support: the whole local platform started as `npm start` does (same entry script), on
 * free ports and a temporary data directory, for browser tests of the web app. One stack per
 * test file; `stop()` sends the Ctrl-C a terminal would and removes the data.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { isolatedStackEnv, type StackPorts } from "../../local/stack-config.ts";
import { interruptGroup, type Spawned, spawnScript, waitForOutput } from "./spawn-script.ts";

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
    await waitForOutput(launched, /Movio is ready/, 150_000);
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

async function stopLaunched(launched: Spawned): Promise<void> {
  const timer = setTimeout(() => launched.child.pid && process.kill(-launched.child.pid, "SIGKILL"), 20_000);
  await interruptGroup(launched);
  clearTimeout(timer);
}
