/**
 * The farm's garbage-collector setting (farm/src/runtime/gc-tuning.ts) is one this runtime's
 * V8 knows: an unknown flag is only an error line on stderr, and the tuning would silently do
 * nothing. Run in a fresh process, as main.ts does at start.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { shouldSetExternalMemoryFlag } from "../src/runtime/gc-tuning.ts";

const module = path.resolve(import.meta.dirname, "../src/runtime/gc-tuning.ts");

describe("the farm's GC tuning", () => {
  it("is taken by this runtime's V8 without an unknown-flag error", () => {
    const run = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `const m = await import(${JSON.stringify(module)}); console.log(m.tuneGarbageCollector());`,
      ],
      { encoding: "utf8" },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe("true"); // the supported runtime (Node 24+) sets it
    expect(run.stderr).not.toMatch(/unrecognized flag|unknown flag/i);
  });

  it("is left off on a V8 older than 13", () => {
    expect(shouldSetExternalMemoryFlag("12.4.254.21-node.33")).toBe(false);
    expect(shouldSetExternalMemoryFlag("13.6.233.17-node.37")).toBe(true);
  });
});
