/**
 * The built asset manifest (dist/web/asset-manifest.json, see scripts/build-web.ts), read
 * once per isolate through the ASSETS binding: pages link their content-hashed files by it.
 */
import { ASSET_MANIFEST_PATH, type AssetManifest } from "../../../shared/web/asset-manifest.ts";

let loaded: Promise<AssetManifest> | undefined;

export function assetManifest(assets: Fetcher): Promise<AssetManifest> {
  loaded ??= (async () => {
    const response = await assets.fetch(new URL(ASSET_MANIFEST_PATH, "https://assets.local"));
    if (!response.ok) throw new Error(`asset manifest missing (${response.status}): run the web build`);
    return (await response.json()) as AssetManifest;
  })();
  // A failed read is retried by the next request rather than cached for the isolate's life.
  loaded.catch(() => {
    loaded = undefined;
  });
  return loaded;
}
