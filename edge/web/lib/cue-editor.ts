/**
 * Fixing cues of a ready subtitle track: the cues in time order, a filter to find one, and
 * per cue an inline form (start, end, text) saved with PATCH …/cues. Cue text is WebVTT
 * (`<i>`, `<b>`, `<u>`, entities escaped); the form shows it with entities decoded and the
 * API normalises what comes back.
 */
import { clock } from "../../../shared/web/format.ts";
import { ApiFailure, api, explain } from "./api.ts";
import { h } from "./dom.ts";
import { type Cue, type SubtitleTrack, trackName, trackPath } from "./subtitle-tracks.ts";

/** Cues listed at once; the filter finds the others. */
const SHOWN = 200;

const decode = (text: string) => text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
const plain = (text: string) => decode(text.replace(/<\/?[a-z][^>]*>/gi, ""));
const stamp = (ms: number) => `${clock(ms)}.${String(ms % 1000).padStart(3, "0")}`;

export interface EditorHooks {
  announce(text: string): void;
  close(): void;
  changed(): void;
}

export class CueEditor {
  readonly root: HTMLElement;
  private readonly heading: HTMLHeadingElement;
  private readonly list = h("ol", { class: "cue-list" });
  private readonly filter: HTMLInputElement;
  private readonly message = h("p", { class: "form-status", role: "status" });
  private cues: Cue[] = [];

  constructor(
    private readonly videoId: string,
    private readonly track: SubtitleTrack,
    private readonly hooks: EditorHooks,
  ) {
    this.heading = h("h3", { tabindex: -1 }, `Cues of ${trackName(track)}`);
    this.filter = h("input", { type: "search", placeholder: "Find words in the cues", autocomplete: "off" });
    this.filter.addEventListener("input", () => this.renderList());
    const close = h("button", { type: "button" }, "Close the cues");
    close.addEventListener("click", () => hooks.close());
    this.root = h(
      "section",
      { class: "cue-editor", "aria-label": `Cues of ${trackName(track)}` },
      h("div", { class: "cue-editor-head" }, this.heading, close),
      h("label", { class: "field" }, h("span", { class: "visually-hidden" }, "Find a cue"), this.filter),
      this.message,
      this.list,
    );
  }

  async load(): Promise<void> {
    this.message.textContent = "Loading the cues…";
    try {
      const result = await api<{ cues: Cue[] }>(trackPath(this.videoId, this.track));
      this.cues = result.cues;
      this.message.textContent = `${this.cues.length} cues.`;
      this.renderList();
      this.heading.focus();
    } catch (err) {
      this.message.textContent = `Cues not loaded: ${explain(err)}`;
    }
  }

  private renderList(): void {
    const words = this.filter.value.trim().toLowerCase();
    const matching = this.cues.filter((cue) => !words || plain(cue.text).toLowerCase().includes(words));
    this.list.replaceChildren(...matching.slice(0, SHOWN).map((cue) => this.row(cue)));
    if (matching.length > SHOWN) {
      this.list.append(
        h("li", { class: "muted" }, `…and ${matching.length - SHOWN} more: narrow the search.`),
      );
    }
  }

  private row(cue: Cue): HTMLLIElement {
    const edit = h(
      "button",
      { type: "button", "aria-label": `Edit the cue at ${stamp(cue.startMs)}` },
      "Edit",
    );
    const item = h(
      "li",
      { class: "cue", "data-index": cue.index },
      h("span", { class: "cue-time" }, `${stamp(cue.startMs)} – ${stamp(cue.endMs)}`),
      h("span", { class: "cue-text" }, plain(cue.text)),
      edit,
    );
    edit.addEventListener("click", () => item.replaceWith(this.form(cue)));
    return item;
  }

  private form(cue: Cue): HTMLLIElement {
    const seconds = (ms: number) => (ms / 1000).toFixed(3);
    const start = h("input", { type: "number", min: 0, step: 0.001, value: seconds(cue.startMs) });
    const end = h("input", { type: "number", min: 0, step: 0.001, value: seconds(cue.endMs) });
    const text = h("textarea", { rows: 2 }, decode(cue.text));
    const error = h("p", { class: "form-error", role: "alert" });
    const save = h("button", { type: "submit", class: "primary" }, "Save cue");
    const cancel = h("button", { type: "button" }, "Cancel");
    const form = h(
      "form",
      { class: "cue-form", novalidate: true, "aria-label": `Cue at ${stamp(cue.startMs)}` },
      h(
        "div",
        { class: "field-row" },
        h("label", { class: "field" }, h("span", {}, "Start (seconds)"), start),
        h("label", { class: "field" }, h("span", {}, "End (seconds)"), end),
      ),
      h("label", { class: "field" }, h("span", {}, "Text"), text),
      h("div", { class: "actions" }, save, cancel),
      error,
    );
    const item = h("li", { class: "cue editing", "data-index": cue.index }, form);
    const back = () => {
      const row = this.row(cue);
      item.replaceWith(row);
      row.querySelector("button")?.focus();
    };
    cancel.addEventListener("click", back);
    form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") back();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const startMs = Math.round(Number(start.value) * 1000);
      const endMs = Math.round(Number(end.value) * 1000);
      if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs <= startMs) {
        error.textContent = "The end must come after the start.";
        return;
      }
      if (!text.value.trim()) {
        error.textContent =
          "A cue needs some text. To remove it, delete the text of the whole track instead.";
        return;
      }
      const change: { index: number; startMs?: number; endMs?: number; text?: string } = { index: cue.index };
      if (startMs !== cue.startMs) change.startMs = startMs;
      if (endMs !== cue.endMs) change.endMs = endMs;
      if (text.value !== decode(cue.text)) change.text = text.value;
      if (Object.keys(change).length === 1) return back();
      save.disabled = true;
      try {
        const result = await api<{ cues: Cue[] }>(trackPath(this.videoId, this.track, "/cues"), {
          method: "PATCH",
          json: { changes: [change] },
        });
        this.cues = result.cues;
        this.renderList();
        this.message.textContent = `Cue at ${stamp(startMs)} saved.`;
        this.hooks.announce(`Cue at ${stamp(startMs)} saved.`);
        this.hooks.changed();
        this.list.querySelector<HTMLElement>(`[data-index="${cue.index}"] button`)?.focus();
      } catch (err) {
        if (err instanceof ApiFailure && err.status === 409) {
          error.textContent =
            "The track changed since it was loaded. It has been reloaded: make the change again.";
          await this.load();
          return;
        }
        error.textContent = `Not saved: ${explain(err)}`;
      } finally {
        save.disabled = false;
      }
    });
    queueMicrotask(() => text.focus());
    return item;
  }
}
