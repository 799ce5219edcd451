/**
 * Test support: the machine's Chromium (Debian's package, which `.ci/run` installs) launched
 * headless the way every browser test wants it: no sandbox (CI runs as root), no GPU, and none
 * of Chromium's own calls home, which would leave the loopback-only test network.
 */
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      ...extraArgs,
    ],
  });
}
