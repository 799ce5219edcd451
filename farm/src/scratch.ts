/**
 * Scratch directories for jobs: `movio-job-<pid>-…` under FARM_TMP_DIR. A node that crashed
 * mid-transcode leaves gigabytes there; at start, directories of processes that no longer
 * run are removed (several nodes may share a machine and its temp directory).
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

const PREFIX = "movio-job-";

export function scratchBase(configured: string | undefined): string {
  return configured ?? os.tmpdir();
}

/** A scratch directory for one job, removed whatever happens. */
export async function withWorkDir<T>(
  base: string | undefined,
  work: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(path.join(scratchBase(base), `${PREFIX}${process.pid}-`));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes scratch directories left by processes that are gone; returns how many. */
export async function removeStaleScratch(base: string | undefined): Promise<number> {
  const root = scratchBase(base);
  let removed = 0;
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const pid = Number(/^movio-job-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    await rm(path.join(root, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}
