import type { AssetManifest } from "../../../shared/web/asset-manifest.ts";
import { Layout } from "./layout.tsx";

/** `/studio`: the caller's videos; the page script lists and manages them through the API. */
export function StudioPage({ assets, translation }: { assets: AssetManifest; translation: boolean }) {
  return (
    <Layout title="Studio" page="studio" assets={assets} data={{ translation }}>
      <h1>Your videos</h1>
      <div id="studio-root" />
    </Layout>
  );
}
