/**
 * Scratch directories for jobs: `movio-job-<pid>-<boot>-…` under FARM_TMP_DIR. A node that
 * crashed mid-transcode leaves gigabytes there; at start, directories of processes that no
 * longer run are removed (several nodes may share a machine and its temp directory).
 *
 * Who owns a directory is its boot id — random for each process — never its PID alone: the
 * farm is PID 1 in its container, so every restart has the PID of its dead predecessor. A
 * live process keeps its marker `movio-boot-<boot>` in the same directory fresh (mtime, every
 * MARKER_REFRESH_MS); a directory whose boot has no marker, or a marker older than
 * MARKER_STALE_MS, belongs to a process that is gone. The PID stays in the name for people.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

const PREFIX = "movio-job-";
const MARKER_PREFIX = "movio-boot-";
/** How often a live process touches its markers, and after how long one counts as dead. */
export const MARKER_REFRESH_MS = 15_000;
export const MARKER_STALE_MS = 4 * MARKER_REFRESH_MS;

/** This process's boot id: unique per process start, whatever its PID. */
export const BOOT_ID = randomBytes(8).toString("hex");

/** `movio-job-<pid>-<boot>-<random>`; older releases wrote `movio-job-<pid>-<random>`. */
const CURRENT = /^movio-job-\d+-([0-9a-f]{16})-/;
const LEGACY = /^movio-job-(\d+)-[^-]+$/;

export function scratchBase(configured: string | undefined): string {
  return configured ?? os.tmpdir();
}

const markedBases = new Set<string>();
let refreshing = false;

function markerPath(root: string, boot = BOOT_ID): string {
  return path.join(root, `${MARKER_PREFIX}${boot}`);
}

/** Writes (or refreshes) this process's marker in `root`, and keeps it fresh from then on. */
async function markAlive(root: string): Promise<void> {
  if (!markedBases.has(root)) {
    await writeFile(markerPath(root), `${process.pid} ${os.hostname()}\n`);
    markedBases.add(root);
  }
  if (refreshing) return;
  refreshing = true;
  setInterval(() => {
    const now = new Date();
    for (const base of markedBases) {
      // A marker removed by hand (or a wiped temp directory) is written again.
      void utimes(markerPath(base), now, now).catch(() =>
        writeFile(markerPath(base), `${process.pid} ${os.hostname()}\n`).catch(() => undefined),
      );
    }
  }, MARKER_REFRESH_MS).unref();
}

/** A scratch directory for one job, removed whatever happens. */
export async function withWorkDir<T>(
  base: string | undefined,
  work: (dir: string) => Promise<T>,
): Promise<T> {
  const root = scratchBase(base);
  await markAlive(root);
  const dir = await mkdtemp(path.join(root, `${PREFIX}${process.pid}-${BOOT_ID}-`));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether the process of boot id `boot` still refreshes its marker in `root`. */
async function bootAlive(root: string, boot: string): Promise<boolean> {
  if (boot === BOOT_ID) return true;
  const marker = await stat(markerPath(root, boot)).catch(() => undefined);
  return marker !== undefined && Date.now() - marker.mtimeMs < MARKER_STALE_MS;
}

/**
 * Removes scratch directories (and markers) left by processes that are gone; returns how many
 * directories. A directory of the legacy PID-only format is removed when that PID is not
 * running or is our own (this release never writes that format, so it is a predecessor's).
 */
export async function removeStaleScratch(base: string | undefined): Promise<number> {
  const root = scratchBase(base);
  await markAlive(root);
  let removed = 0;
  const names = await readdir(root).catch(() => [] as string[]);
  for (const name of names) {
    const boot = CURRENT.exec(name)?.[1];
    const legacyPid = boot ? undefined : Number(LEGACY.exec(name)?.[1]);
    if (boot) {
      if (await bootAlive(root, boot)) continue;
    } else if (legacyPid) {
      if (legacyPid !== process.pid && pidAlive(legacyPid)) continue;
    } else {
      continue;
    }
    await rm(path.join(root, name), { recursive: true, force: true });
    removed++;
  }
  for (const name of names) {
    if (!name.startsWith(MARKER_PREFIX)) continue;
    const boot = name.slice(MARKER_PREFIX.length);
    if (!(await bootAlive(root, boot))) await rm(path.join(root, name), { force: true });
  }
  return removed;
}
