import type { AssetManifest } from "../../../shared/web/asset-manifest.ts";
import { type StudioPageData, studioIds } from "../../../shared/web/pages/studio-page-contract.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { Layout } from "./layout.tsx";

/**
 * `/studio`: the caller's videos in every status. Who the caller is is known only in the
 * browser, so the page script lists and manages them through the API; `#video-<id>` and
 * `#subtitles-<id>` (the watch page's owner links) open that video's editor or subtitles.
 */
export function StudioPage({
  assets,
  translation,
  captions,
}: {
  assets: AssetManifest;
  translation: boolean;
  captions: boolean;
}) {
  const data: StudioPageData = { translation, captions };
  return (
    <Layout title="Studio" page="studio" assets={assets} data={data}>
      <div class="studio-top">
        <h1 id={studioIds.heading} tabindex={-1}>
          Your videos
        </h1>
        <a class="button primary" href="/upload">
          Upload a video
        </a>
      </div>
      <search class="studio-search">
        <form id={studioIds.search} class="search-form-inner">
          <label class="visually-hidden" for={studioIds.query}>
            Search your videos
          </label>
          <input
            id={studioIds.query}
            type="search"
            name="q"
            maxlength={200}
            placeholder="Search your videos"
            autocomplete="off"
          />
          <button type="submit">Search</button>
        </form>
      </search>
      <p class="form-error" id={studioIds.error} role="alert" />
      <p class="visually-hidden" id={studioIds.status} role="status" />
      <p class="muted" id={studioIds.loading}>
        Loading your videos…
      </p>
      <div class="empty notice" id={studioIds.empty} hidden>
        <h2 id={studioIds.emptyTitle}>No videos yet</h2>
        <p class="muted" id={studioIds.emptyText}>
          Upload your first video: it shows up here while it uploads and processes, and stays here for you to
          edit.
        </p>
        <p class="actions">
          <a class="button primary" href="/upload">
            Upload a video
          </a>
        </p>
      </div>
      <ul class="studio-list" id={studioIds.list} aria-labelledby={studioIds.heading} />
      <p class="more" id={studioIds.moreWrap} hidden>
        <button type="button" id={studioIds.more}>
          More videos
        </button>
      </p>
      <ConfirmDialog />
    </Layout>
  );
}
