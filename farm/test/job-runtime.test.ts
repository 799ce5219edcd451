/**
 * What a job leaves on a node: scratch directories of crashed runs are removed at start (by
 * their boot id, not their PID: the farm is PID 1 in its container), and a source download
 * stops at once when its job is aborted (a lost lease, a deleted video).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { MARKER_STALE_MS, removeStaleScratch } from "../src/scratch.ts";
import { ObjectStorage } from "../src/storage/object-storage.ts";
import { closeDb, startNode, testS3 } from "./support/farm-env.ts";

afterAll(closeDb);

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(child.stdout);
}

describe("scratch space", () => {
  const otherBoot = () => randomBytes(8).toString("hex");
  const makeDir = (dir: string) => {
    mkdirSync(dir);
    writeFileSync(path.join(dir, "source"), "x");
  };

  it("reclaims a previous process's scratch even when it had our PID (PID 1 in a container)", async () => {
    const base = mkdtempSync(path.join(os.tmpdir(), "movio-scratch-test-"));
    // Our predecessor in the container was PID 1 too: same PID, another boot, no marker left.
    const predecessor = path.join(base, `movio-job-${process.pid}-${otherBoot()}-abc123`);
    // One whose marker went stale (it stopped refreshing it long ago).
    const staleBoot = otherBoot();
    const stale = path.join(base, `movio-job-${process.pid}-${staleBoot}-def456`);
    const staleMarker = path.join(base, `movio-boot-${staleBoot}`);
    // Directories of the previous release's PID-only format: a dead PID, and our own PID.
    const legacyDead = path.join(base, `movio-job-${deadPid()}-ghi789`);
    const legacyOurs = path.join(base, `movio-job-${process.pid}-jkl012`);
    const unrelated = path.join(base, "someone-else");
    for (const dir of [predecessor, stale, legacyDead, legacyOurs, unrelated]) makeDir(dir);
    writeFileSync(staleMarker, "1 old-host\n");
    const longAgo = new Date(Date.now() - 2 * MARKER_STALE_MS);
    utimesSync(staleMarker, longAgo, longAgo);

    expect(await removeStaleScratch(base)).toBe(4);
    expect([predecessor, stale, legacyDead, legacyOurs, staleMarker, unrelated].map(existsSync)).toEqual([
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
    execFileSync("rm", ["-rf", base]);
  });

  it("keeps the scratch of a live process, whatever its PID, and reclaims it once it died", async () => {
    const base = mkdtempSync(path.join(os.tmpdir(), "movio-scratch-test-"));
    const scratchModule = new URL("../src/scratch.ts", import.meta.url).href;
    // Another farm process with a job running: it holds a scratch directory and its marker.
    const child = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { withWorkDir } = await import(${JSON.stringify(scratchModule)});
         setInterval(() => undefined, 1000);
         await withWorkDir(${JSON.stringify(base)}, async (dir) => {
           process.stdout.write(dir + "\\n");
           await new Promise(() => undefined);
         });`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      const dir = await new Promise<string>((resolve, reject) => {
        child.stdout.once("data", (data: Buffer) => resolve(data.toString().trim()));
        child.once("exit", (code) => reject(new Error(`child exited (${code})`)));
      });
      expect(path.basename(dir)).toMatch(/^movio-job-\d+-[0-9a-f]{16}-/);
      expect(await removeStaleScratch(base)).toBe(0);
      expect(existsSync(dir)).toBe(true);

      // It dies (kill -9: no cleanup); once its marker is stale, its directory is reclaimed.
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
      const boot = /^movio-job-\d+-([0-9a-f]{16})-/.exec(path.basename(dir))![1];
      const longAgo = new Date(Date.now() - 2 * MARKER_STALE_MS);
      utimesSync(path.join(base, `movio-boot-${boot}`), longAgo, longAgo);
      expect(await removeStaleScratch(base)).toBe(1);
      expect(existsSync(dir)).toBe(false);
    } finally {
      child.kill("SIGKILL");
    }

    // A node with job runners does the same when it starts.
    const again = path.join(base, `movio-job-${process.pid}-${otherBoot()}-ghi789`);
    makeDir(again);
    const { node } = await startNode({ FARM_TMP_DIR: base }, { work: true });
    try {
      await expect.poll(() => existsSync(again)).toBe(false);
    } finally {
      await node.close();
    }
    execFileSync("rm", ["-rf", base]);
  });
});

describe("source download", () => {
  it("stops as soon as its job is aborted", async () => {
    const s3 = testS3();
    const key = `abort-test-${crypto.randomUUID()}`;
    await s3.send(new PutObjectCommand({ Bucket: "movio", Key: key, Body: randomBytes(64 * 1024 * 1024) }));
    const storage = new ObjectStorage(s3, "movio");
    const target = path.join(mkdtempSync(path.join(os.tmpdir(), "movio-dl-")), "source");
    const controller = new AbortController();
    const started = Date.now();
    const download = storage.download(key, target, controller.signal);
    setTimeout(() => controller.abort(new Error("lease lost")), 20);
    await expect(download).rejects.toThrow(/lease lost|abort/i);
    expect(Date.now() - started).toBeLessThan(2000);
    // An already aborted job does not even start.
    await expect(storage.download(key, target, AbortSignal.abort(new Error("gone")))).rejects.toThrow(/gone/);
    await storage.deleteKeys([key]);
    s3.destroy();
  });
});
