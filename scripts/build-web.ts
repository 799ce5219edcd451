/**
 * Builds the web app's browser code (edge/web) into Workers static assets (dist/web):
 * one ES module per page plus shared chunks and the stylesheet, all with content-hashed
 * names served with a year-long immutable cache, and `asset-manifest.json` telling the
 * Worker which hashed file each page loads. Prints every bundle's size and fails when the
 * JavaScript a page loads before the player passes the budget.
 *
 * Run by `npm start`, the edge tests and `wrangler deploy` ([build] in wrangler.toml).
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
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
/**
 * Files an older build made stay this long: a running stack (or a test run beside it) may
 * still serve pages that name them. Hashed names never collide, so keeping them is safe.
 */
const KEEP_OLD_ASSETS_MS = 10 * 60_000;

/**
 * Builds into a staging folder, then adds the new files to dist/web and swaps the manifest in
 * with a rename, so a stack serving dist/web never sees it missing or half written (several
 * stacks and test runs share it, and wrangler dev rebuilds on every edit).
 */
export async function buildWeb(log: (line: string) => void = console.log): Promise<AssetManifest> {
  const staging = path.join(ROOT, "dist", `.web-staging-${process.pid}-${Date.now()}`);
  const stagedAssets = path.join(staging, "assets");
  mkdirSync(stagedAssets, { recursive: true });
  try {
    const manifest = await buildInto(stagedAssets, log);
    publish(stagedAssets, manifest);
    reportSizes(manifest, log);
    return manifest;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function buildInto(assetsDir: string, log: (line: string) => void): Promise<AssetManifest> {
  const entryPoints = [
    ...PAGES.map((page) => ({ in: path.join(ROOT, `edge/web/pages/${page}.ts`), out: page })),
    { in: path.join(ROOT, "edge/web/styles.css"), out: "styles" },
  ];
  const result = await build({
    entryPoints,
    outdir: assetsDir,
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
  return { ...manifestOf(result.metafile), apiReference: copyApiReference(assetsDir, log) };
}

/** New files in, manifest and headers swapped atomically, files of old builds pruned when stale. */
function publish(stagedAssets: string, manifest: AssetManifest): void {
  mkdirSync(ASSETS, { recursive: true });
  const current = new Set(readdirSync(stagedAssets));
  for (const name of current) {
    if (!existsSync(path.join(ASSETS, name)))
      copyFileSync(path.join(stagedAssets, name), path.join(ASSETS, name));
  }
  const writeAtomically = (file: string, text: string) => {
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, text);
    renameSync(temp, file);
  };
  // Workers static assets read _headers: hashed names never change content, cache them for good.
  writeAtomically(
    path.join(OUT, "_headers"),
    "/assets/*\n  Cache-Control: public, max-age=31536000, immutable\n  X-Content-Type-Options: nosniff\n",
  );
  writeAtomically(path.join(OUT, ASSET_MANIFEST_PATH), JSON.stringify(manifest, null, 2));
  const cutoff = Date.now() - KEEP_OLD_ASSETS_MS;
  for (const name of readdirSync(ASSETS)) {
    const file = path.join(ASSETS, name);
    if (!current.has(name) && statSync(file).mtimeMs < cutoff) unlinkSync(file);
  }
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
