/**
 * Child processes of the launcher (database, edge, farm). Each runs in its own process group,
 * so a terminal's Ctrl-C (which signals the launcher's group) does not reach it, and the
 * launcher decides the order. Stopping sends SIGTERM to the leader alone — the farm drains and
 * stops its own ffmpeg processes, as under `docker stop`, rather than have them killed under
 * it — and only once the leader is gone (or its grace is up) SIGKILLs the whole group, so
 * nothing it spawned (wrangler → workerd) lingers holding a port. Output is prefixed by name.
 */
import { type ChildProcess, spawn } from "node:child_process";
import readline from "node:readline";

export interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<number | null>;
  stop(graceMs?: number): Promise<void>;
}

export function spawnChild(
  name: string,
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; onLine?: (line: string) => void },
): Child {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const print =
    options.onLine ??
    ((line: string) => console.log(line.startsWith(`[${name}]`) ? line : `[${name}] ${line}`));
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) readline.createInterface({ input: stream }).on("line", print);
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.once("error", () => resolve(-1));
  });

  return {
    name,
    process: child,
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => signalGroup(child, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      // The leader is gone; make sure nothing it spawned lingers holding a port.
      signalGroup(child, "SIGKILL");
    },
  };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Group already gone.
  }
}
