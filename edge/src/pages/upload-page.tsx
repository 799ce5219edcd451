import type { AssetManifest } from "../../../shared/web/asset-manifest.ts";
import { bytes } from "../../../shared/web/format.ts";
import { languageOptions } from "../../../shared/web/languages.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { Layout } from "./layout.tsx";

export interface UploadPageProps {
  assets: AssetManifest;
  translation: boolean;
  maxBytes: number;
}

/**
 * `/upload`: the form (file, title, description, visibility, language, translations), then
 * the upload's progress and the processing's. The page script runs the tus upload, resumes
 * unfinished ones, and with `?video=<id>` uploads a file for an existing video (after a
 * failure). Every panel is rendered here; the script shows one at a time.
 */
export function UploadPage({ assets, translation, maxBytes }: UploadPageProps) {
  const languages = languageOptions();
  return (
    <Layout title="Upload" page="upload" assets={assets} data={{ translation, maxBytes }}>
      <h1 id="upload-heading">Upload a video</h1>
      <p class="notice form-error" id="page-error" role="alert" hidden />

      <section class="notice unfinished" id="unfinished" aria-labelledby="unfinished-title" hidden>
        <h2 id="unfinished-title">Unfinished uploads</h2>
        <p class="muted">
          Choose the same file again to continue where it stopped. The upload goes on into the same video.
        </p>
        <ul class="unfinished-list" id="unfinished-list" />
      </section>

      <form class="upload-form" id="upload-form" novalidate>
        <p class="notice" id="target-video" hidden />
        <div class="dropzone" id="dropzone">
          <p class="drop-hint">
            <strong>Drop a video file here</strong> <span class="muted">or</span>
          </p>
          <input
            class="visually-hidden file-input"
            type="file"
            id="file"
            name="file"
            accept="video/*,.mkv,.mov,.mp4,.m4v,.webm,.avi,.ts,.mts"
          />
          <label class="button primary" for="file">
            Choose a file
          </label>
          <p class="muted file-info" id="file-info" aria-live="polite">
            Any common video format, up to {bytes(maxBytes)}.
          </p>
        </div>
        <div class="upload-details" id="details">
          <label class="field">
            <span>Title</span>
            <input type="text" id="title" name="title" required maxlength={200} autocomplete="off" />
          </label>
          <label class="field">
            <span>Description</span>
            <textarea id="description" name="description" maxlength={5000} />
          </label>
          <div class="field-row">
            <label class="field">
              <span>Visibility</span>
              <select id="visibility" name="visibility">
                <option value="public">Public: listed and searchable</option>
                <option value="unlisted">Unlisted: anyone with the link</option>
                <option value="private">Private: only you</option>
              </select>
            </label>
            <label class="field">
              <span>Spoken language</span>
              <select id="language" name="language">
                <option value="">Not set</option>
                {languages.map(({ tag, name }) => (
                  <option value={tag}>{name}</option>
                ))}
              </select>
            </label>
          </div>
          {translation ? (
            <fieldset class="field translate">
              <legend>Translate the subtitles into</legend>
              <p class="muted hint">
                Subtitles in the file (or added later) are machine-translated into the languages you tick.
              </p>
              <div class="checks">
                {languages.map(({ tag, name }) => (
                  <label>
                    <input type="checkbox" name="translateTo" value={tag} /> {name}
                  </label>
                ))}
              </div>
            </fieldset>
          ) : (
            <p class="muted hint" id="translation-off">
              Machine translation of subtitles is off on this server (it needs AWS Translate).
            </p>
          )}
        </div>
        <p class="form-error" id="form-error" role="alert" />
        <div class="actions">
          <button class="primary" type="submit" id="start">
            Upload
          </button>
        </div>
      </form>

      <section class="upload-panel" id="upload-panel" aria-labelledby="upload-title" hidden>
        <h2 id="upload-title">Uploading</h2>
        <div
          class="progress"
          id="upload-bar"
          role="progressbar"
          aria-labelledby="upload-title"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={0}
        >
          <div />
        </div>
        <p class="upload-stats">
          <span id="upload-percent">0%</span>
          <span id="upload-bytes" />
          <span id="upload-speed" />
          <span id="upload-eta" />
        </p>
        <p id="upload-status" role="status" />
        <div class="actions">
          <button type="button" id="pause">
            Pause
          </button>
          <button type="button" class="primary" id="resume" hidden>
            Resume
          </button>
          <button type="button" class="danger" id="cancel">
            Cancel upload
          </button>
        </div>
      </section>

      <section class="upload-panel" id="processing-panel" aria-labelledby="processing-title" hidden>
        <h2 id="processing-title">Processing</h2>
        <div
          class="progress"
          id="processing-bar"
          role="progressbar"
          aria-labelledby="processing-title"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={0}
        >
          <div />
        </div>
        <p id="processing-status" role="status" />
        <div class="actions" id="processing-actions">
          <a class="button primary" id="watch-link" href="/" hidden>
            Watch
          </a>
          <a class="button primary" id="retry-link" href="/upload" hidden>
            Upload another file for it
          </a>
          <a class="button" href="/studio">
            Go to your studio
          </a>
          <a class="button" href="/upload" id="another">
            Upload another video
          </a>
        </div>
      </section>

      <ConfirmDialog />
    </Layout>
  );
}
