import type { AssetManifest } from "../../../shared/web/asset-manifest.ts";
import { bytes } from "../../../shared/web/format.ts";
import { languageOptions } from "../../../shared/web/languages.ts";
import { processingPanelIds } from "../../../shared/web/pages/processing-panel-contract.ts";
import { type UploadPageData, uploadIds } from "../../../shared/web/pages/upload-page-contract.ts";
import { uploadProgressIds } from "../../../shared/web/pages/upload-progress-contract.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { Layout } from "./layout.tsx";

export interface UploadPageProps {
  assets: AssetManifest;
  translation: boolean;
  captions: boolean;
  maxBytes: number;
}

/**
 * `/upload`: the form (file, title, description, visibility, language, translations), then
 * the upload's progress and the processing's. The page script runs the tus upload, resumes
 * unfinished ones, and with `?video=<id>` uploads a file for an existing video (after a
 * failure). Every panel is rendered here; the script shows one at a time.
 */
export function UploadPage({ assets, translation, captions, maxBytes }: UploadPageProps) {
  const languages = languageOptions();
  const data: UploadPageData = { translation, captions, maxBytes };
  return (
    <Layout title="Upload" page="upload" assets={assets} data={data}>
      <h1 id={uploadIds.heading}>Upload a video</h1>
      <p class="notice form-error" id={uploadIds.pageError} role="alert" hidden />

      <section
        class="notice unfinished"
        id={uploadIds.unfinished}
        aria-labelledby={uploadIds.unfinishedTitle}
        hidden
      >
        <h2 id={uploadIds.unfinishedTitle}>Unfinished uploads</h2>
        <p class="muted">
          Choose the same file again to continue where it stopped. The upload goes on into the same video.
        </p>
        <ul class="unfinished-list" id={uploadIds.unfinishedList} />
      </section>

      <form class="upload-form" id={uploadIds.form} novalidate>
        <p class="notice" id={uploadIds.targetVideo} hidden />
        <div class="dropzone" id={uploadIds.dropzone}>
          <p class="drop-hint">
            <strong>Drop a video file here</strong> <span class="muted">or</span>
          </p>
          <input
            class="visually-hidden file-input"
            type="file"
            id={uploadIds.file}
            name="file"
            accept="video/*,.mkv,.mov,.mp4,.m4v,.webm,.avi,.ts,.mts"
          />
          <label class="button primary" for={uploadIds.file}>
            Choose a file
          </label>
          <p class="muted file-info" id={uploadIds.fileInfo} aria-live="polite">
            Any common video format, up to {bytes(maxBytes)}.
          </p>
        </div>
        <div class="upload-details" id={uploadIds.details}>
          <label class="field">
            <span>Title</span>
            <input
              type="text"
              id={uploadIds.title}
              name="title"
              required
              maxlength={200}
              autocomplete="off"
            />
          </label>
          <label class="field">
            <span>Description</span>
            <textarea id={uploadIds.description} name="description" maxlength={5000} />
          </label>
          <div class="field-row">
            <label class="field">
              <span>Visibility</span>
              <select id={uploadIds.visibility} name="visibility">
                <option value="public">Public: listed and searchable</option>
                <option value="unlisted">Unlisted: anyone with the link</option>
                <option value="private">Private: only you</option>
              </select>
            </label>
            <label class="field">
              <span>Spoken language</span>
              <select id={uploadIds.language} name="language">
                <option value="">Not set</option>
                {languages.map(({ tag, name }) => (
                  <option value={tag}>{name}</option>
                ))}
              </select>
            </label>
          </div>
          {captions ? (
            <label class="field check">
              <span>
                <input type="checkbox" name="autoCaptions" value="true" checked /> Generate captions
              </span>
              <span class="muted hint">
                When the video has no subtitles in its language, what is said becomes a subtitle track marked
                as generated (you can fix it in the studio).
              </span>
            </label>
          ) : null}
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
            <p class="muted hint" id={uploadIds.translationOff}>
              Machine translation of subtitles is off on this server (it needs AWS Translate).
            </p>
          )}
        </div>
        <p class="form-error" id={uploadIds.formError} role="alert" />
        <div class="actions">
          <button class="primary" type="submit" id={uploadIds.start}>
            Upload
          </button>
        </div>
      </form>

      <section
        class="upload-panel"
        id={uploadProgressIds.panel}
        aria-labelledby={uploadProgressIds.title}
        hidden
      >
        <h2 id={uploadProgressIds.title}>Uploading</h2>
        <div
          class="progress"
          id={uploadProgressIds.bar}
          role="progressbar"
          aria-labelledby={uploadProgressIds.title}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={0}
        >
          <div />
        </div>
        <p class="upload-stats">
          <span id={uploadProgressIds.percent}>0%</span>
          <span id={uploadProgressIds.bytes} />
          <span id={uploadProgressIds.speed} />
          <span id={uploadProgressIds.eta} />
        </p>
        <p id={uploadProgressIds.status} role="status" />
        <div class="actions">
          <button type="button" id={uploadProgressIds.pause}>
            Pause
          </button>
          <button type="button" class="primary" id={uploadProgressIds.resume} hidden>
            Resume
          </button>
          <button type="button" class="danger" id={uploadProgressIds.cancel}>
            Cancel upload
          </button>
        </div>
      </section>

      <section
        class="upload-panel"
        id={processingPanelIds.panel}
        aria-labelledby={processingPanelIds.title}
        hidden
      >
        <h2 id={processingPanelIds.title}>Processing</h2>
        <div
          class="progress"
          id={processingPanelIds.bar}
          role="progressbar"
          aria-labelledby={processingPanelIds.title}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={0}
        >
          <div />
        </div>
        <p id={processingPanelIds.status} role="status" />
        <div class="actions" id={processingPanelIds.actions}>
          <a class="button primary" id={processingPanelIds.watchLink} href="/" hidden>
            Watch
          </a>
          <a class="button primary" id={processingPanelIds.retryLink} href="/upload" hidden>
            Upload another file for it
          </a>
          <a class="button" href="/studio">
            Go to your studio
          </a>
          <a class="button" href="/upload" id={processingPanelIds.another}>
            Upload another video
          </a>
        </div>
      </section>

      <ConfirmDialog />
    </Layout>
  );
}
