/**
 * What a job leaves on a node: scratch directories of crashed runs are removed at start, and
 * a source download stops at once when its job is aborted (a lost lease, a deleted video).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { removeStaleScratch } from "../src/scratch.ts";
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
  it("removes scratch directories of crashed runs at start and keeps those of live processes", async () => {
    const base = mkdtempSync(path.join(os.tmpdir(), "movio-scratch-test-"));
    const crashed = path.join(base, `movio-job-${deadPid()}-abc123`);
    const live = path.join(base, `movio-job-${process.pid}-def456`);
    const unrelated = path.join(base, "someone-else");
    for (const dir of [crashed, live, unrelated]) {
      mkdirSync(dir);
      writeFileSync(path.join(dir, "source"), "x");
    }
    expect(await removeStaleScratch(base)).toBe(1);
    expect([existsSync(crashed), existsSync(live), existsSync(unrelated)]).toEqual([false, true, true]);

    // A node with job runners does the same when it starts.
    const again = path.join(base, `movio-job-${deadPid()}-ghi789`);
    mkdirSync(again);
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
