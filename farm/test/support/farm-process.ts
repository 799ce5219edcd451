/** A farm node as its own OS process (`node farm/src/main.ts`), as production runs it. */
import type { ChildProcess } from "node:child_process";
import { freePort } from "../../../scripts/local/ports.ts";
import { waitHealthy } from "../../../scripts/local/wait-healthy.ts";
import { spawnScript } from "../../../scripts/test/support/spawn-script.ts";
import { farmEnv } from "./farm-env.ts";

export interface FarmProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function spawnFarm(overrides: Record<string, string> = {}): Promise<FarmProcess> {
  const port = await freePort();
  const { child, output, exited } = spawnScript(
    "farm/src/main.ts",
    farmEnv({ FARM_PORT: String(port), ...overrides }),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(`${url}/healthz`, 30_000, () => child.exitCode === null);
  return {
    url,
    child,
    output,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
