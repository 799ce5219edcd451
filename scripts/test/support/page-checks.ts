/**
 * Test support for web pages: screenshots at a desktop and a phone size, and axe-core's
 * accessibility rules. axe is injected as an inline script, which the pages' CSP forbids,
 * so it runs in a separate context that bypasses CSP (the page under test is unchanged).
 */
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { Browser, Page } from "playwright-core";

const ROOT = path.resolve(import.meta.dirname, "../../..");
export const WEB_ARTIFACTS = path.join(ROOT, "test-artifacts/web");
export const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;

const require = createRequire(import.meta.url);
let axeSource: Promise<string> | undefined;

/** Screenshots of the page at both sizes: test-artifacts/web/<name>-<width>.png. */
export async function screenshotBoth(page: Page, name: string): Promise<void> {
  await mkdir(WEB_ARTIFACTS, { recursive: true });
  const original = page.viewportSize();
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(150); // layout settles
    await page.screenshot({
      path: path.join(WEB_ARTIFACTS, `${name}-${viewport.width}.png`),
      fullPage: true,
    });
  }
  if (original) await page.setViewportSize(original);
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * axe-core on a URL: serious and critical violations (the bar). `prepare` can act on
 * the page first (sign in, open a menu). Runs at both viewport sizes.
 */
export async function seriousAxeViolations(
  browser: Browser,
  url: string,
  prepare?: (page: Page) => Promise<void>,
): Promise<AxeViolation[]> {
  axeSource ??= readFile(require.resolve("axe-core/axe.min.js"), "utf8");
  const source = await axeSource;
  const found: AxeViolation[] = [];
  for (const viewport of VIEWPORTS) {
    const context = await browser.newContext({ bypassCSP: true, viewport });
    try {
      const page = await context.newPage();
      await page.goto(url, { waitUntil: "networkidle" });
      if (prepare) await prepare(page);
      await page.addScriptTag({ content: source });
      const violations = (await page.evaluate(async () => {
        const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
        return (await axe.run()).violations;
      })) as { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
      for (const v of violations) {
        if (v.impact !== "serious" && v.impact !== "critical") continue;
        found.push({
          id: `${v.id}@${viewport.width}`,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.map((n) => n.target.join(" ")),
        });
      }
    } finally {
      await context.close();
    }
  }
  return found;
}
