import type { AssetManifest } from "../../../shared/web/asset-manifest.ts";
import { age } from "../../../shared/web/format.ts";
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
  return (
    <Layout title={meta?.title ?? "Watch"} page="watch" assets={assets} data={{ videoId }}>
      <div class="stage">
        <video id="video" playsinline muted aria-label="Video player" />
        <div class="message" id="message" role="status" hidden />
      </div>
      <p class="notice" id="processing-note" role="status" hidden />
      <div class="player-bar" id="bar" hidden>
        <div class="seek-wrap">
          <input id="seek" type="range" min="0" max="1000" value="0" aria-label="Seek" />
          <div id="preview">
            <span id="preview-time" />
          </div>
        </div>
        <button type="button" id="play" aria-label="Play">
          Play
        </button>
        <span id="time" class="muted">
          0:00
        </span>
        <label>
          Quality
          <select id="quality">
            <option value="auto">Auto</option>
          </select>
        </label>
        <label id="audio-label" hidden>
          Audio
          <select id="audio" />
        </label>
        <label id="subtitles-label">
          Subtitles
          <select id="subtitles">
            <option value="-1">Off</option>
          </select>
        </label>
        <button type="button" id="fullscreen" aria-label="Full screen">
          Full screen
        </button>
      </div>
      <section class="video-meta" aria-labelledby="title">
        <h1 id="title">{meta?.title ?? "Loading…"}</h1>
        <p class="owner" id="owner">
          {meta ? (
            <>
              {meta.ownerDisplayName} · <time datetime={createdAt}>{age(createdAt, now)}</time>
            </>
          ) : null}
        </p>
        <p class="description" id="description">
          {meta?.description ?? ""}
        </p>
        <p class="owner-links" id="owner-links" hidden>
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
