/**
 * Builds the web app's browser code (edge/web) into Workers static assets (dist/web):
 * one ES module per page plus shared chunks and the stylesheet, all with content-hashed
 * names served with a year-long immutable cache, and `asset-manifest.json` telling the
 * Worker which hashed file each page loads. Prints every bundle's size and fails when the
 * JavaScript a page loads before the player passes the budget.
 *
 * Run by `npm start`, the edge tests and `wrangler deploy` ([build] in wrangler.toml).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { build, type Metafile } from "esbuild";
import {
  ASSET_MANIFEST_PATH,
  type AssetManifest,
  PAGES,
  type PageName,
} from "../shared/web/asset-manifest.ts";
import { copyApiReference } from "./web/api-reference-asset.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const OUT = path.join(ROOT, "dist/web");
const ASSETS = path.join(OUT, "assets");
/** Pages whose scripts load before any player: at most this much JavaScript, gzipped. */
const PAGE_BUDGET_GZIP = 60 * 1024;

export async function buildWeb(log: (line: string) => void = console.log): Promise<AssetManifest> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(ASSETS, { recursive: true });
  const entryPoints = [
    ...PAGES.map((page) => ({ in: path.join(ROOT, `edge/web/pages/${page}.ts`), out: page })),
    { in: path.join(ROOT, "edge/web/styles.css"), out: "styles" },
  ];
  const result = await build({
    entryPoints,
    outdir: ASSETS,
    entryNames: "[name]-[hash]",
    chunkNames: "chunk-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    target: ["chrome110", "firefox110", "safari16"],
    minify: true,
    sourcemap: false,
    metafile: true,
    legalComments: "none",
    tsconfig: path.join(ROOT, "edge/web/tsconfig.json"),
    logLevel: "warning",
  });
  const manifest = { ...manifestOf(result.metafile), apiReference: copyApiReference(ASSETS, log) };
  writeFileSync(path.join(OUT, ASSET_MANIFEST_PATH), JSON.stringify(manifest, null, 2));
  // Workers static assets read this file: hashed names never change content, cache them for good.
  writeFileSync(
    path.join(OUT, "_headers"),
    "/assets/*\n  Cache-Control: public, max-age=31536000, immutable\n  X-Content-Type-Options: nosniff\n",
  );
  reportSizes(manifest, log);
  return manifest;
}

function manifestOf(metafile: Metafile): Omit<AssetManifest, "apiReference"> {
  const url = (file: string) => `/assets/${path.basename(file)}`;
  const pages = {} as AssetManifest["pages"];
  let styles = "";
  const eager = new Set<string>();
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!output.entryPoint) continue;
    if (file.endsWith(".css") && output.entryPoint.endsWith("edge/web/styles.css")) {
      styles = url(file);
      continue;
    }
    // Dynamic imports are entry points to esbuild too: only edge/web/pages/* are pages.
    if (!output.entryPoint.includes("edge/web/pages/")) continue;
    const page = path.basename(output.entryPoint, ".ts") as PageName;
    const imports = staticImports(metafile, file);
    pages[page] = { script: url(file), preload: imports.map(url) };
    eager.add(file);
    for (const chunk of imports) eager.add(chunk);
  }
  const lazy = Object.keys(metafile.outputs)
    .filter((file) => file.endsWith(".js") && !eager.has(file))
    .map(url);
  return { styles, pages, lazy };
}

/** Every chunk an output imports statically, transitively (what loads before the page runs). */
function staticImports(metafile: Metafile, file: string, seen = new Set<string>()): string[] {
  for (const imported of metafile.outputs[file]?.imports ?? []) {
    if (imported.kind !== "import-statement" || seen.has(imported.path)) continue;
    seen.add(imported.path);
    staticImports(metafile, imported.path, seen);
  }
  return [...seen];
}

function gzipBytes(publicPath: string): number {
  return gzipSync(readFileSync(path.join(OUT, publicPath))).length;
}

function reportSizes(manifest: AssetManifest, log: (line: string) => void): void {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const over: string[] = [];
  log(
    `web assets → ${path.relative(ROOT, OUT)} (gzip; a page = its entry + the chunks it imports, budget ${kb(PAGE_BUDGET_GZIP)})`,
  );
  log(`  styles   ${kb(gzipBytes(manifest.styles))}  ${manifest.styles}`);
  for (const page of PAGES) {
    const { script, preload } = manifest.pages[page];
    const total = [script, ...preload].reduce((sum, file) => sum + gzipBytes(file), 0);
    log(`  ${page.padEnd(8)} ${kb(total).padStart(9)}  ${script}`);
    if (total > PAGE_BUDGET_GZIP) over.push(`${page} ${kb(total)}`);
  }
  // Loaded on demand (the watch page's player): outside the budget, printed for the record.
  for (const chunk of manifest.lazy) log(`  lazy     ${kb(gzipBytes(chunk)).padStart(9)}  ${chunk}`);
  if (over.length > 0)
    throw new Error(`page JavaScript over ${kb(PAGE_BUDGET_GZIP)} gzip: ${over.join(", ")}`);
}

if (import.meta.filename === process.argv[1]) {
  await buildWeb();
}
