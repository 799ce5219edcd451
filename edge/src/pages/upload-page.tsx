import type { AssetManifest } from "../../../shared/web/asset-manifest.ts";
import { Layout } from "./layout.tsx";

export interface UploadPageProps {
  assets: AssetManifest;
  translation: boolean;
  maxBytes: number;
}

/** `/upload`: the form; the page script runs the tus upload and follows processing. */
export function UploadPage({ assets, translation, maxBytes }: UploadPageProps) {
  return (
    <Layout title="Upload" page="upload" assets={assets} data={{ translation, maxBytes }}>
      <h1>Upload a video</h1>
      <div id="upload-root" />
    </Layout>
  );
}
