import type { AssetManifest } from "../../../shared/web/asset-manifest.ts";
import { age } from "../../../shared/web/format.ts";
import { storyboardIds } from "../../../shared/web/pages/storyboard-contract.ts";
import { type WatchPageData, watchIds } from "../../../shared/web/pages/watch-page-contract.ts";
import { Layout } from "./layout.tsx";

export interface WatchMeta {
  title: string;
  description: string;
  ownerDisplayName: string;
  createdAt: Date | string;
}

/**
 * `/watch/:id`: the player. For a video anyone with the link may see, title, description and
 * owner are rendered here; otherwise (private, processing) the page script fills them in
 * from the API with the viewer's token. The script plays the signed DASH URL with dash.js.
 */
export function WatchPage({
  assets,
  videoId,
  meta,
  now,
}: {
  assets: AssetManifest;
  videoId: string;
  meta: WatchMeta | undefined;
  now: number;
}) {
  const createdAt = meta ? new Date(meta.createdAt).toISOString() : "";
  const data: WatchPageData = { videoId };
  return (
    <Layout title={meta?.title ?? "Watch"} page="watch" assets={assets} data={data}>
      <div class="stage">
        <video id={watchIds.video} playsinline muted aria-label="Video player" />
        <div class="message" id={watchIds.message} role="status" hidden />
      </div>
      <p class="notice" id={watchIds.processingNote} role="status" hidden />
      <div class="player-bar" id={watchIds.bar} hidden>
        <div class="seek-wrap">
          <input id={watchIds.seek} type="range" min="0" max="1000" value="0" aria-label="Seek" />
          <div id={storyboardIds.preview}>
            <span id={storyboardIds.previewTime} />
          </div>
        </div>
        <button type="button" id={watchIds.play} aria-label="Play">
          Play
        </button>
        <span id={watchIds.time} class="muted">
          0:00
        </span>
        <label>
          Quality
          <select id={watchIds.quality}>
            <option value="auto">Auto</option>
          </select>
        </label>
        <label id={watchIds.audioLabel} hidden>
          Audio
          <select id={watchIds.audio} />
        </label>
        <label id={watchIds.subtitlesLabel}>
          Subtitles
          <select id={watchIds.subtitles}>
            <option value="-1">Off</option>
          </select>
        </label>
        <button type="button" id={watchIds.fullscreen} aria-label="Full screen">
          Full screen
        </button>
      </div>
      <section class="video-meta" aria-labelledby={watchIds.title}>
        <h1 id={watchIds.title}>{meta?.title ?? "Loading…"}</h1>
        <p class="owner" id={watchIds.owner}>
          {meta ? (
            <>
              {meta.ownerDisplayName} · <time datetime={createdAt}>{age(createdAt, now)}</time>
            </>
          ) : null}
        </p>
        <p class="description" id={watchIds.description}>
          {meta?.description ?? ""}
        </p>
        <p class="owner-links" id={watchIds.ownerLinks} hidden>
          <a class="button" href={`/studio#video-${videoId}`}>
            Edit
          </a>
          <a class="button" href={`/studio#subtitles-${videoId}`}>
            Subtitles
          </a>
        </p>
        <p class="keys">
          Keys: <kbd>space</kbd> play/pause · <kbd>←</kbd> <kbd>→</kbd> 5 s · <kbd>f</kbd> full screen ·{" "}
          <kbd>c</kbd> captions
        </p>
      </section>
    </Layout>
  );
}
