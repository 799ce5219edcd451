/**
 * What scripts/build-web.ts writes to dist/web/asset-manifest.json and the Worker reads to
 * link each page to its content-hashed script, the chunks it imports and the stylesheet.
 */
export const PAGES = [
  "home",
  "search",
  "watch",
  "login",
  "signup",
  "upload",
  "studio",
  "admin",
  "error",
  "verify-email",
  "reset-password",
  "account",
] as const;
export type PageName = (typeof PAGES)[number];

export interface AssetManifest {
  styles: string;
  /** Each page's entry module and the chunks it imports statically (for modulepreload). */
  pages: Record<PageName, { script: string; preload: string[] }>;
  /** Chunks loaded on demand only (the player). */
  lazy: string[];
  /** Scalar's API reference (standalone bundle from npm), loaded by /doc only. */
  apiReference: string;
}

export const ASSET_MANIFEST_PATH = "/asset-manifest.json";
