/**
 * The API reference page (/doc) runs Scalar's API reference, bundled from its npm package
 * (`@scalar/api-reference`, the standalone browser build) and served from our own origin as a
 * content-hashed static asset beside the web app's: nothing is loaded from a third party.
 * The page itself (edge/src/routes/docs.ts) links it through the asset manifest.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { gzipSync } from "node:zlib";

const require = createRequire(import.meta.url);

/** Copies the standalone bundle into `assetsDir`; returns its public path (`/assets/…`). */
export function copyApiReference(assetsDir: string, log: (line: string) => void): string {
  // The package exports no subpath for it: find it beside the package's main module.
  const source = path.join(path.dirname(require.resolve("@scalar/api-reference")), "browser/standalone.js");
  const code = readFileSync(source);
  const name = `scalar-api-reference-${createHash("sha256").update(code).digest("hex").slice(0, 10)}.js`;
  writeFileSync(path.join(assetsDir, name), code);
  const kb = (gzipSync(code).length / 1024).toFixed(1);
  log(`API reference (Scalar, /doc only) → /assets/${name}, ${kb} KB gzip`);
  return `/assets/${name}`;
}
