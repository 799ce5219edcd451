/**
 * `npm test`: every check, in order, stopping at nothing so one run shows all failures:
 * type checking (Node side and Workers side), lint + format, edge tests inside workerd,
 * farm tests in Node, and the stack test. Ends with one `N passed, N failed` line.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const ARTIFACTS = path.join(ROOT, "test-artifacts");
mkdirSync(ARTIFACTS, { recursive: true });

interface Step {
  name: string;
  command: string[];
  /** vitest JSON report, for the closing count. */
  report?: string;
}

const bin = (name: string) => path.join(ROOT, "node_modules/.bin", name);
const vitest = (name: string, config: string): Step => {
  const report = path.join(ARTIFACTS, `${name}.json`);
  return {
    name,
    command: [
      bin("vitest"),
      "run",
      "--config",
      config,
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${report}`,
    ],
    report,
  };
};

const only = process.argv.slice(2);
const steps: Step[] = [
  { name: "typecheck:node", command: [bin("tsc"), "--noEmit", "-p", "tsconfig.json"] },
  { name: "typecheck:edge", command: [bin("tsc"), "--noEmit", "-p", "edge/tsconfig.json"] },
  { name: "typecheck:web", command: [bin("tsc"), "--noEmit", "-p", "edge/web/tsconfig.json"] },
  { name: "lint", command: [bin("biome"), "check", "."] },
  vitest("edge", "edge/vitest.config.ts"),
  vitest("farm", "farm/vitest.config.ts"),
  vitest("stack", "scripts/vitest.config.ts"),
].filter((step) => only.length === 0 || only.some((name) => step.name.startsWith(name)));

let passed = 0;
let failed = 0;
const failedSteps: string[] = [];
for (const step of steps) {
  console.log(`\n▶ ${step.name}: ${step.command.map((part) => path.relative(ROOT, part) || part).join(" ")}`);
  const started = Date.now();
  if (step.report) rmSync(step.report, { force: true }); // never count a previous run's report
  const result = spawnSync(step.command[0]!, step.command.slice(1), { cwd: ROOT, stdio: "inherit" });
  const counts = step.report ? readCounts(step.report) : undefined;
  // A report with failures fails the step whatever the exit code says.
  const ok = result.status === 0 && (counts === undefined || counts.failed === 0);
  console.log(`${ok ? "✔" : "✘"} ${step.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (counts) {
    passed += counts.passed;
    failed += counts.failed;
    if (!ok && counts.failed === 0) failed += 1; // crashed before reporting
  } else if (ok) {
    passed += 1;
  } else {
    failed += 1;
  }
  if (!ok) failedSteps.push(step.name);
}

console.log(`\n${failedSteps.length ? `failed steps: ${failedSteps.join(", ")}` : "all steps passed"}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failedSteps.length ? 1 : 0);

function readCounts(report: string): { passed: number; failed: number } {
  try {
    const json = JSON.parse(readFileSync(report, "utf8")) as {
      numPassedTests: number;
      numFailedTests: number;
    };
    return { passed: json.numPassedTests, failed: json.numFailedTests };
  } catch {
    return { passed: 0, failed: 0 };
  }
}
