/** Test support: run one of the repo's TypeScript entry points as its own process, keeping its output. */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../../..");

export interface Spawned {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function spawnScript(
  script: string,
  env: Record<string, string>,
  options: { detached?: boolean } = {},
): Spawned {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: options.detached ?? false,
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on("data", (chunk) => {
      output += chunk;
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Waits for a line of output; fails at once, with the output, if the process exits first. */
export async function waitForOutput(spawned: Spawned, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(spawned.output())) {
    if (spawned.child.exitCode !== null || spawned.child.signalCode !== null)
      throw new Error(`${spawned.child.spawnargs.at(-1)} exited:\n${spawned.output()}`);
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${spawned.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Ctrl-C as a terminal sends it: SIGINT to the process group of a detached script. A script
 * that already exited is left as it is (its exit code is returned), so the error that made
 * it exit is the one a test reports, not the kill's.
 */
export async function interruptGroup(spawned: Spawned): Promise<number | null> {
  const alive = spawned.child.exitCode === null && spawned.child.signalCode === null;
  if (alive && spawned.child.pid) {
    try {
      process.kill(-spawned.child.pid, "SIGINT");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err; // exited meanwhile
    }
  }
  return spawned.exited;
}
