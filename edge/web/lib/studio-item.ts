/**
 * One video in the studio: poster, title, status (live progress while it uploads or
 * processes, the failure in words), and what the owner can do with it: watch, upload again,
 * edit the details, manage subtitles, delete. The edit form and the subtitles are
 * `<details>` (keyboard-usable as they are); `open()` opens one for `#video-…`/`#subtitles-…`.
 */
import type { z } from "@hono/zod-openapi";
import type { VideoSchema } from "../../../shared/api/videos.ts";
import { age, clock, watchUrl } from "../../../shared/web/format.ts";
import { api, explain } from "./api.ts";
import { confirmAction } from "./confirm.ts";
import { h } from "./dom.ts";
import { SubtitlesPanel } from "./studio-subtitles.ts";

export type Video = z.output<typeof VideoSchema>;

const STATUS_WORDS: Record<Video["status"], string> = {
  awaiting_upload: "Waiting for its file",
  uploading: "Uploading",
  processing: "Processing",
  ready: "Ready",
  failed: "Failed",
};
const VISIBILITY_WORDS: Record<Video["visibility"], string> = {
  public: "Public",
  unlisted: "Unlisted",
  private: "Private",
};

export const inFlight = (video: Video) => video.status !== "ready" && video.status !== "failed";
export const videoPath = (id: string) => `/api/v1/videos/${encodeURIComponent(id)}`;

export interface ItemHooks {
  /** Announces a change to screen readers (the page's status line). */
  announce(text: string): void;
  removed(item: StudioItem): void;
  translation: boolean;
  captions: boolean;
}

export class StudioItem {
  readonly root: HTMLLIElement;
  private readonly thumb = h("div", { class: "studio-thumb" });
  private readonly heading = h("h2", {});
  private readonly statusArea = h("div", { class: "studio-status" });
  private readonly actions = h("div", { class: "actions" });
  readonly edit: HTMLDetailsElement;
  readonly subtitlesDetails: HTMLDetailsElement;
  private readonly subtitles: SubtitlesPanel;
  private posterLoaded = false;

  constructor(
    public video: Video,
    private readonly hooks: ItemHooks,
  ) {
    const id = video.id;
    this.edit = h(
      "details",
      { class: "studio-edit", id: `edit-${id}` },
      h("summary", {}, "Edit details"),
      this.editForm(),
    );
    this.subtitles = new SubtitlesPanel(video, hooks);
    this.subtitlesDetails = this.subtitles.details;
    this.root = h(
      "li",
      { class: "studio-item", id: `video-${id}`, "data-video-id": id },
      this.thumb,
      h(
        "div",
        { class: "studio-body" },
        this.heading,
        this.statusArea,
        this.actions,
        this.edit,
        this.subtitlesDetails,
      ),
    );
    this.render();
  }

  update(video: Video): void {
    const was = this.video;
    this.video = video;
    if (was.status !== video.status) {
      this.hooks.announce(`“${video.title}”: ${STATUS_WORDS[video.status].toLowerCase()}`);
      this.subtitles.refresh(video);
    }
    this.render();
  }

  /** Opens the editor or the subtitles, brings the item into view and puts the focus there. */
  open(what: "video" | "subtitles"): void {
    const details = what === "video" ? this.edit : this.subtitlesDetails;
    details.open = true;
    this.root.scrollIntoView({ block: "start" });
    const field = what === "video" ? this.edit.querySelector<HTMLElement>("input") : null;
    (field ?? details.querySelector<HTMLElement>("summary"))?.focus({ preventScroll: true });
  }

  private render(): void {
    const v = this.video;
    this.root.dataset.status = v.status;
    this.heading.replaceChildren(
      v.status === "ready" ? h("a", { href: watchUrl(v.id) }, v.title) : v.title,
      " ",
      h("span", { class: `badge ${v.status}` }, STATUS_WORDS[v.status]),
    );
    const meta = [VISIBILITY_WORDS[v.visibility]];
    if (v.durationMs !== null) meta.push(clock(v.durationMs));
    meta.push(`created ${age(v.createdAt)}`);
    const status: Node[] = [h("p", { class: "muted studio-meta" }, meta.join(" · "))];
    if (v.status === "uploading" || v.status === "processing") {
      const label = `${v.status === "uploading" ? "Uploaded" : "Processed"}: ${v.progress}%`;
      const bar = h(
        "div",
        {
          class: "progress",
          role: "progressbar",
          "aria-label": `${STATUS_WORDS[v.status]} “${v.title}”`,
          "aria-valuemin": 0,
          "aria-valuemax": 100,
          "aria-valuenow": v.progress,
        },
        h("div", {}),
      );
      (bar.firstElementChild as HTMLElement).style.width = `${v.progress}%`;
      status.push(bar, h("p", { class: "muted" }, label));
    } else if (v.status === "awaiting_upload") {
      status.push(h("p", { class: "muted" }, "No file yet: the upload has not started or was interrupted."));
    } else if (v.status === "failed") {
      status.push(h("p", { class: "failure" }, `Processing failed: ${v.error?.message ?? "unknown error"}`));
    }
    this.statusArea.replaceChildren(...status);
    this.renderActions();
    this.renderThumb();
  }

  private actionsKey = "";

  private renderActions(): void {
    const v = this.video;
    // Rebuilt only when they change: a poll must not take the focus from a button.
    const key = `${v.status}|${v.playable}|${v.title}`;
    if (key === this.actionsKey) return;
    this.actionsKey = key;
    const buttons: Node[] = [];
    if (v.status === "ready") buttons.push(h("a", { class: "button", href: watchUrl(v.id) }, "Watch"));
    // The first, smallest rendition is out while the rest is still encoding.
    if (v.status === "processing" && v.playable) {
      buttons.push(h("a", { class: "button", href: watchUrl(v.id) }, "Watch now"));
    }
    const uploadHref = `/upload?video=${encodeURIComponent(v.id)}`;
    if (v.status === "failed")
      buttons.push(h("a", { class: "button primary", href: uploadHref }, "Upload again"));
    if (v.status === "awaiting_upload" || v.status === "uploading") {
      buttons.push(h("a", { class: "button", href: uploadHref }, "Continue the upload"));
    }
    const remove = h("button", { type: "button", class: "danger" }, "Delete");
    remove.setAttribute("aria-label", `Delete “${v.title}”`);
    remove.addEventListener("click", () => void this.remove());
    buttons.push(remove);
    this.actions.replaceChildren(...buttons);
  }

  private renderThumb(): void {
    const v = this.video;
    if (v.status !== "ready") {
      this.posterLoaded = false;
      this.thumb.classList.add("empty");
      this.thumb.replaceChildren(h("span", { class: "muted" }, STATUS_WORDS[v.status]));
      return;
    }
    if (this.posterLoaded) return;
    this.posterLoaded = true;
    this.thumb.classList.remove("empty");
    this.thumb.replaceChildren();
    // The poster URL is signed per request: the playback API gives it.
    api<{ poster: string | null }>(`${videoPath(v.id)}/playback`)
      .then(({ poster }) => {
        if (!poster) return;
        const link = h("a", { href: watchUrl(v.id), tabindex: -1, "aria-hidden": "true" });
        link.append(h("img", { src: poster, alt: "", loading: "lazy", decoding: "async" }));
        if (v.durationMs !== null) link.append(h("span", { class: "duration" }, clock(v.durationMs)));
        this.thumb.replaceChildren(link);
      })
      .catch(() => undefined);
  }

  private editForm(): HTMLFormElement {
    const v = this.video;
    const title = h("input", { type: "text", name: "title", required: true, maxlength: 200, value: v.title });
    const description = h("textarea", { name: "description", maxlength: 5000 }, v.description);
    const visibility = h(
      "select",
      { name: "visibility" },
      ...(["public", "unlisted", "private"] as const).map((value) =>
        h("option", { value, selected: value === v.visibility }, VISIBILITY_WORDS[value]),
      ),
    );
    const message = h("p", { class: "form-status", role: "status" });
    const save = h("button", { type: "submit", class: "primary" }, "Save");
    const form = h(
      "form",
      { class: "edit-form", novalidate: true, "aria-label": `Details of “${v.title}”` },
      h("label", { class: "field" }, h("span", {}, "Title"), title),
      h("label", { class: "field" }, h("span", {}, "Description"), description),
      h("label", { class: "field" }, h("span", {}, "Visibility"), visibility),
      h("div", { class: "actions" }, save),
      message,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      message.classList.remove("form-error");
      const change: Record<string, string> = {};
      if (title.value.trim() !== this.video.title) change.title = title.value.trim();
      if (description.value !== this.video.description) change.description = description.value;
      if (visibility.value !== this.video.visibility) change.visibility = visibility.value;
      if (!title.value.trim()) {
        message.textContent = "The title cannot be empty.";
        message.classList.add("form-error");
        title.focus();
        return;
      }
      if (Object.keys(change).length === 0) {
        message.textContent = "Nothing to save: no changes.";
        return;
      }
      save.disabled = true;
      message.textContent = "Saving…";
      try {
        const updated = await api<Video>(videoPath(this.video.id), { method: "PATCH", json: change });
        this.update(updated);
        form.setAttribute("aria-label", `Details of “${updated.title}”`);
        message.textContent = "Saved.";
      } catch (err) {
        message.textContent = `Not saved: ${explain(err)}`;
        message.classList.add("form-error");
      } finally {
        save.disabled = false;
      }
    });
    return form;
  }

  private async remove(): Promise<void> {
    const v = this.video;
    const yes = await confirmAction({
      title: `Delete “${v.title}”?`,
      text: "The video, its files and its subtitles are deleted for good. This cannot be undone.",
      confirm: "Delete video",
    });
    if (!yes) return;
    try {
      await api(videoPath(v.id), { method: "DELETE" });
    } catch (err) {
      this.hooks.announce(`Not deleted: ${explain(err)}`);
      return;
    }
    this.hooks.announce(`Deleted “${v.title}”.`);
    this.hooks.removed(this);
  }
}
