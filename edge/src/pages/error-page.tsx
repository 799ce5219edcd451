import type { AssetManifest } from "../../../shared/web/asset-manifest.ts";
import { Layout } from "./layout.tsx";

/** Friendly 404 and error pages for HTML routes (API routes keep their JSON errors). */
export function ErrorPage({
  assets,
  status,
  message,
  requestId,
}: {
  assets: AssetManifest;
  status: number;
  message: string;
  requestId: string;
}) {
  const notFound = status === 404;
  return (
    <Layout title={notFound ? "Not found" : "Something went wrong"} page="error" assets={assets}>
      <div class="empty notice">
        <h1>{notFound ? "This page does not exist" : "Something went wrong"}</h1>
        <p>{message}</p>
        <p class="actions">
          <a class="button primary" href="/">
            Go to the home page
          </a>
        </p>
        {notFound ? null : <p class="muted">Reference: {requestId}</p>}
      </div>
    </Layout>
  );
}
