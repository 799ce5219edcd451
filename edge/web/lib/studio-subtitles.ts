/**
 * A studio item's subtitles (`<details id="subtitles-<id>">`): the tracks with their status,
 * adding a .vtt/.srt file, asking for machine translations and generated captions (when the
 * server has them; a generated track wears a "Generated" badge),
 * fixing cues, deleting a track. Tracks are loaded when the panel opens and followed while
 * any is pending (a translation or a republish under way).
 */
import type { z } from "@hono/zod-openapi";
import type { VideoSchema } from "../../../shared/api/videos.ts";
import { languageName, languageOptions } from "../../../shared/web/languages.ts";
import { api, explain } from "./api.ts";
import { confirmAction } from "./confirm.ts";
import { CueEditor } from "./cue-editor.ts";
import { h } from "./dom.ts";
import { ORIGIN_WORDS, type SubtitleTrack, trackName, trackPath } from "./subtitle-tracks.ts";

type Video = z.output<typeof VideoSchema>;

const STATUS_WORDS: Record<SubtitleTrack["status"], string> = {
  pending: "Pending",
  ready: "Ready",
  publishing: "Publishing",
  failed: "Failed",
  unsupported: "Unsupported",
};
const POLL_MS = 3000;

export interface PanelHooks {
  announce(text: string): void;
  translation: boolean;
  captions: boolean;
}

export class SubtitlesPanel {
  readonly details: HTMLDetailsElement;
  private readonly summary = h("summary", {});
  private readonly body = h("div", { class: "subtitles-body" });
  private readonly editorSlot = h("div", {});
  private readonly table = h("div", { class: "table-wrap" });
  private tracks: SubtitleTrack[];
  private loaded = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private video: Video,
    private readonly hooks: PanelHooks,
  ) {
    this.tracks = video.subtitles;
    this.details = h(
      "details",
      { class: "studio-subtitles", id: `subtitles-${video.id}` },
      this.summary,
      this.body,
    );
    this.details.addEventListener("toggle", () => {
      if (this.details.open) void this.load();
      else clearTimeout(this.timer);
    });
    this.renderSummary();
  }

  /** The video changed (status, or its tracks as the list saw them). */
  refresh(video: Video): void {
    this.video = video;
    if (this.details.open) void this.load();
    else {
      this.tracks = video.subtitles;
      this.renderSummary();
    }
  }

  private renderSummary(): void {
    const count = this.tracks.length;
    this.summary.textContent = count === 0 ? "Subtitles" : `Subtitles (${count})`;
  }

  private async load(): Promise<void> {
    clearTimeout(this.timer);
    try {
      const { items } = await api<{ items: SubtitleTrack[] }>(
        `/api/v1/videos/${encodeURIComponent(this.video.id)}/subtitles`,
      );
      this.tracks = items;
    } catch (err) {
      if (!this.loaded) {
        this.body.replaceChildren(h("p", { class: "form-error" }, `Subtitles not loaded: ${explain(err)}`));
      }
      this.timer = setTimeout(() => void this.load(), POLL_MS * 2);
      return;
    }
    const first = !this.loaded;
    this.loaded = true;
    this.renderSummary();
    this.renderTracks(first);
    const underWay = (t: SubtitleTrack) => t.status === "pending" || t.status === "publishing";
    if (this.tracks.some(underWay) || this.video.status === "processing") {
      this.timer = setTimeout(() => {
        if (this.details.open) void this.load();
      }, POLL_MS);
    }
  }

  private renderTracks(first: boolean): void {
    this.table.replaceChildren(this.tracks.length === 0 ? this.emptyNote() : this.trackTable());
    if (first) {
      this.body.replaceChildren(
        this.table,
        this.editorSlot,
        this.captionsForm(),
        this.addForm(),
        this.translateForm(),
      );
    }
  }

  private emptyNote(): HTMLElement {
    const waiting = this.video.status !== "ready" && this.video.status !== "failed";
    return h(
      "p",
      { class: "muted" },
      waiting
        ? "No subtitle tracks yet. Subtitles in the video file appear here once it is processed."
        : "No subtitle tracks. Add a .vtt or .srt file below.",
    );
  }

  private trackTable(): HTMLTableElement {
    const rows = this.tracks.map((track) => {
      const actions = h("div", { class: "actions" });
      if ((track.status === "ready" || track.status === "publishing") && track.cueCount > 0) {
        const fix = h(
          "button",
          { type: "button", "aria-label": `Fix cues of ${trackName(track)}` },
          "Fix cues",
        );
        fix.addEventListener("click", () => this.openEditor(track));
        actions.append(fix);
      }
      const remove = h(
        "button",
        { type: "button", class: "danger", "aria-label": `Delete ${trackName(track)}` },
        "Delete",
      );
      remove.addEventListener("click", () => void this.remove(track));
      actions.append(remove);
      const status = h("td", {}, h("span", { class: `badge ${track.status}` }, STATUS_WORDS[track.status]));
      if (track.error) status.append(h("div", { class: "failure" }, track.error.message));
      return h(
        "tr",
        { "data-track": `${track.lang ?? "und"}:${track.origin}` },
        h(
          "th",
          { scope: "row" },
          track.label,
          ...(track.origin === "auto"
            ? [
                " ",
                h(
                  "span",
                  {
                    class: "badge generated",
                    title: track.reviewed
                      ? "Generated from speech, then edited: a new transcription never replaces it"
                      : "Generated from speech: check it, and fix what it misheard",
                  },
                  track.reviewed ? "Generated · reviewed" : "Generated",
                ),
              ]
            : []),
          h(
            "div",
            { class: "muted track-facts" },
            [
              track.lang ?? "unknown language",
              ORIGIN_WORDS[track.origin].toLowerCase(),
              `${track.cueCount} ${track.cueCount === 1 ? "cue" : "cues"}`,
            ].join(" · "),
          ),
        ),
        status,
        h("td", { class: "track-actions" }, actions),
      );
    });
    return h(
      "table",
      { class: "tracks" },
      h("caption", { class: "visually-hidden" }, `Subtitle tracks of “${this.video.title}”`),
      h(
        "thead",
        {},
        h("tr", {}, ...["Track", "Status", "Actions"].map((name) => h("th", { scope: "col" }, name))),
      ),
      h("tbody", {}, ...rows),
    );
  }

  private openEditor(track: SubtitleTrack): void {
    const editor = new CueEditor(this.video.id, track, {
      announce: this.hooks.announce,
      close: () => {
        this.editorSlot.replaceChildren();
        this.details.querySelector<HTMLElement>("summary")?.focus();
      },
      changed: () => void this.load(),
    });
    this.editorSlot.replaceChildren(editor.root);
    void editor.load();
  }

  private async remove(track: SubtitleTrack): Promise<void> {
    const yes = await confirmAction({
      title: `Delete ${trackName(track)}?`,
      text: "The track and all its cues are deleted; viewers no longer see it.",
      confirm: "Delete track",
    });
    if (!yes) return;
    try {
      await api(trackPath(this.video.id, track), { method: "DELETE" });
      this.hooks.announce(`Deleted the ${track.label} subtitles.`);
      this.editorSlot.replaceChildren();
    } catch (err) {
      this.hooks.announce(`Not deleted: ${explain(err)}`);
    }
    await this.load();
    this.details.querySelector<HTMLElement>("summary")?.focus();
  }

  private languageSelect(name: string, exclude?: string): HTMLSelectElement {
    return h(
      "select",
      { name, required: true },
      h("option", { value: "" }, "Choose a language"),
      ...languageOptions()
        .filter(({ tag }) => tag !== exclude)
        .map(({ tag, name: label }) => h("option", { value: tag }, label)),
    );
  }

  private addForm(): HTMLFormElement {
    const language = this.languageSelect("lang");
    const file = h("input", {
      type: "file",
      name: "file",
      accept: ".vtt,.srt,text/vtt,application/x-subrip",
    });
    const message = h("p", { class: "form-status", role: "status" });
    const button = h("button", { type: "submit" }, "Add subtitles");
    const form = h(
      "form",
      { class: "subtitle-form", novalidate: true },
      h("h3", {}, "Add a subtitle file"),
      h(
        "div",
        { class: "field-row" },
        h("label", { class: "field" }, h("span", {}, "Language"), language),
        h("label", { class: "field" }, h("span", {}, "File (.vtt or .srt)"), file),
      ),
      h("div", { class: "actions" }, button),
      message,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      message.classList.remove("form-error");
      const chosen = file.files?.[0];
      const problem = !language.value ? "Choose the language." : !chosen ? "Choose a .vtt or .srt file." : "";
      if (problem || !chosen) {
        message.textContent = problem;
        message.classList.add("form-error");
        (language.value ? file : language).focus();
        return;
      }
      const type = /\.srt$/i.test(chosen.name)
        ? "application/x-subrip"
        : /\.vtt$/i.test(chosen.name)
          ? "text/vtt"
          : "application/octet-stream";
      button.disabled = true;
      message.textContent = "Uploading…";
      try {
        const path = `/api/v1/videos/${encodeURIComponent(this.video.id)}/subtitles/${encodeURIComponent(language.value)}`;
        await api(path, { method: "PUT", body: chosen, headers: { "content-type": type } });
        message.textContent = `Added ${languageName(language.value)} subtitles.`;
        form.reset();
        await this.load();
      } catch (err) {
        message.textContent = `Not added: ${explain(err)}`;
        message.classList.add("form-error");
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }

  /** "Generate captions": the video's speech → an `auto` track (POST …/captions). */
  private captionsForm(): HTMLElement {
    if (!this.hooks.captions) {
      return h("p", { class: "muted" }, "Automatic captions are off on this server.");
    }
    const message = h("p", { class: "form-status", role: "status" });
    const button = h("button", { type: "submit" }, "Generate captions");
    const form = h(
      "form",
      { class: "subtitle-form captions-form", novalidate: true },
      h("h3", {}, "Captions from speech"),
      h(
        "p",
        { class: "muted" },
        "Transcribes what is said into a track marked as generated. A generated track you edited is kept.",
      ),
      h("div", { class: "actions" }, button),
      message,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      message.classList.remove("form-error");
      button.disabled = true;
      try {
        const result = await api<{ queued: boolean }>(
          `/api/v1/videos/${encodeURIComponent(this.video.id)}/captions`,
          { method: "POST" },
        );
        message.textContent = result.queued
          ? "Captions queued; the generated track shows as pending until they are done."
          : "Captions are already being generated.";
        await this.load();
      } catch (err) {
        message.textContent = `Not queued: ${explain(err)}`;
        message.classList.add("form-error");
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }

  private translateForm(): HTMLElement {
    if (!this.hooks.translation) {
      return h(
        "p",
        { class: "muted" },
        "Machine translation is off on this server, so subtitles cannot be translated here.",
      );
    }
    const from = h("select", { name: "from", required: true });
    const fillSources = () => {
      const langs = [
        ...new Set(
          this.tracks
            .filter((t) => (t.status === "ready" || t.status === "publishing") && t.lang)
            .map((t) => t.lang!),
        ),
      ];
      from.replaceChildren(
        ...(langs.length === 0
          ? [h("option", { value: "" }, "No ready track with a language yet")]
          : langs.map((lang) => h("option", { value: lang }, languageName(lang)))),
      );
    };
    fillSources();
    this.details.addEventListener("toggle", fillSources);
    const to = this.languageSelect("to");
    const message = h("p", { class: "form-status", role: "status" });
    const button = h("button", { type: "submit" }, "Translate");
    const form = h(
      "form",
      { class: "subtitle-form", novalidate: true },
      h("h3", {}, "Translate the subtitles"),
      h(
        "div",
        { class: "field-row" },
        h("label", { class: "field" }, h("span", {}, "From"), from),
        h("label", { class: "field" }, h("span", {}, "Into"), to),
      ),
      h("div", { class: "actions" }, button),
      message,
    );
    form.addEventListener("focusin", fillSources);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      message.classList.remove("form-error");
      if (!from.value || !to.value) {
        message.textContent = !from.value
          ? "Translation needs a ready subtitle track with a known language."
          : "Choose the language to translate into.";
        message.classList.add("form-error");
        return;
      }
      button.disabled = true;
      try {
        const path = `/api/v1/videos/${encodeURIComponent(this.video.id)}/subtitles/${encodeURIComponent(from.value)}/translations`;
        await api(path, { json: { to: [to.value] } });
        message.textContent = `Translation into ${languageName(to.value)} queued; it appears as pending until done.`;
        await this.load();
      } catch (err) {
        message.textContent = `Not queued: ${explain(err)}`;
        message.classList.add("form-error");
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }
}
