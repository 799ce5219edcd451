/** A farm node as its own OS process (`node farm/src/main.ts`), as production runs it. */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { freePort } from "../../../scripts/local/ports.ts";
import { waitHealthy } from "../../../scripts/local/wait-healthy.ts";
import { farmEnv } from "./farm-env.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");

export interface FarmProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function spawnFarm(overrides: Record<string, string> = {}): Promise<FarmProcess> {
  const port = await freePort();
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "farm/src/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, ...farmEnv({ FARM_PORT: String(port), ...overrides }) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(`${url}/healthz`, 30_000, () => child.exitCode === null);
  return {
    url,
    child,
    output: () => output,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
