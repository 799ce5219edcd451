/**
 * `/studio`: the caller's videos, newest first, in every status. Videos still uploading or
 * processing are polled so their progress moves on its own; `#video-<id>` opens a video's
 * editor and `#subtitles-<id>` its subtitles (the watch page links there), fetching that
 * video first when it is not on the loaded page.
 */
import { type StudioPageData, studioIds } from "../../../shared/web/pages/studio-page-contract.ts";
import "../lib/account.ts";
import { ApiFailure, api, explain } from "../lib/api.ts";
import { byId, pageData } from "../lib/dom.ts";
import { requireUser } from "../lib/session.ts";
import { inFlight, StudioItem, type Video, videoPath } from "../lib/studio-item.ts";

const PAGE_SIZE = 20;
const POLL_MS = 2500;
const CATCH_UP_MS = 20_000;

const { translation, captions } = pageData<StudioPageData>();
const list = byId<HTMLUListElement>(studioIds.list);
const items = new Map<string, StudioItem>();
let nextCursor: string | null = null;
let query = "";
// Read by the browser tests.
(window as unknown as { movio: { studio: { items: typeof items; loaded: boolean } } }).movio = {
  studio: { items, loaded: false },
};

function announce(text: string): void {
  const status = byId(studioIds.status);
  status.textContent = "";
  // A fresh node each time, so the same words twice are announced twice.
  requestAnimationFrame(() => {
    status.textContent = text;
  });
}

function showError(text: string): void {
  byId(studioIds.error).textContent = text;
}

const hooks = {
  announce,
  translation,
  captions,
  removed(item: StudioItem) {
    const next = (item.root.nextElementSibling ?? item.root.previousElementSibling) as HTMLElement | null;
    items.delete(item.video.id);
    item.root.remove();
    const focus = next?.querySelector<HTMLElement>("h2 a, summary") ?? byId(studioIds.heading);
    focus.focus();
    renderEmpty();
  },
};

function add(video: Video, where: "append" | "prepend" = "append"): StudioItem {
  const existing = items.get(video.id);
  if (existing) {
    existing.update(video);
    return existing;
  }
  const item = new StudioItem(video, hooks);
  items.set(video.id, item);
  if (where === "append") list.append(item.root);
  else list.prepend(item.root);
  return item;
}

function renderEmpty(): void {
  const empty = items.size === 0;
  byId(studioIds.empty).hidden = !empty;
  if (empty && query) {
    byId(studioIds.emptyTitle).textContent = "Nothing found";
    byId(studioIds.emptyText).textContent = `None of your videos matches “${query}”.`;
  } else if (empty) {
    byId(studioIds.emptyTitle).textContent = "No videos yet";
    byId(studioIds.emptyText).textContent =
      "Upload your first video: it shows up here while it uploads and processes, and stays here for you to edit.";
  }
}

async function loadPage(reset: boolean): Promise<void> {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (!reset && nextCursor) params.set("cursor", nextCursor);
  if (query) params.set("q", query);
  const page = await api<{ items: Video[]; nextCursor: string | null }>(`/api/v1/me/videos?${params}`);
  if (reset) {
    items.clear();
    list.replaceChildren();
  }
  for (const video of page.items) add(video);
  nextCursor = page.nextCursor;
  byId(studioIds.moreWrap).hidden = !nextCursor;
  byId(studioIds.loading).hidden = true;
  renderEmpty();
}

/** `#video-<id>` / `#subtitles-<id>`: bring that video up and open the right part. */
async function applyHash(): Promise<void> {
  const match = /^#(video|subtitles)-([0-9a-f-]{36})$/i.exec(location.hash);
  if (!match) return;
  const [, what, id] = match as unknown as [string, "video" | "subtitles", string];
  let item = items.get(id);
  if (!item) {
    try {
      item = add(await api<Video>(videoPath(id)), "prepend");
      renderEmpty();
    } catch (err) {
      showError(
        err instanceof ApiFailure && err.status === 404
          ? "That video does not exist any more, or it is not yours."
          : `That video could not be loaded: ${explain(err)}`,
      );
      return;
    }
  }
  item.open(what);
}

/**
 * Videos created elsewhere (another tab's upload) since the list was loaded: the first page
 * again, new ones put on top in their order. Not while searching (the list is a result then).
 */
async function catchUp(): Promise<void> {
  if (query || document.hidden) return;
  try {
    const page = await api<{ items: Video[] }>(`/api/v1/me/videos?limit=${PAGE_SIZE}`);
    const fresh = page.items.filter((video) => !items.has(video.id));
    for (const video of fresh.reverse()) add(video, "prepend");
    if (fresh.length > 0) {
      renderEmpty();
      announce(fresh.length === 1 ? `New video: “${fresh[0]!.title}”.` : `${fresh.length} new videos.`);
    }
  } catch {
    // The next look will do.
  }
}

/** In-flight videos, refreshed in one round of requests every few seconds. */
async function poll(): Promise<void> {
  const moving = [...items.values()].filter((item) => inFlight(item.video));
  await Promise.all(
    moving.map(async (item) => {
      try {
        item.update(await api<Video>(videoPath(item.video.id)));
      } catch (err) {
        if (err instanceof ApiFailure && err.status === 404) hooks.removed(item);
      }
    }),
  );
  setTimeout(() => void poll(), POLL_MS);
}

async function init(): Promise<void> {
  await requireUser();
  try {
    await loadPage(true);
  } catch (err) {
    byId(studioIds.loading).hidden = true;
    showError(`Your videos could not be loaded: ${explain(err)}`);
    return;
  }
  await applyHash();
  (window as unknown as { movio: { studio: { loaded: boolean } } }).movio.studio.loaded = true;
  addEventListener("hashchange", () => void applyHash());
  byId(studioIds.more).addEventListener("click", async () => {
    const before = list.childElementCount;
    try {
      await loadPage(false);
      list.children[before]?.querySelector<HTMLElement>("h2 a, summary")?.focus();
    } catch (err) {
      showError(explain(err));
    }
  });
  byId<HTMLFormElement>(studioIds.search).addEventListener("submit", async (event) => {
    event.preventDefault();
    query = byId<HTMLInputElement>(studioIds.query).value.trim();
    showError("");
    try {
      await loadPage(true);
      announce(query ? `${items.size} of your videos match “${query}”.` : `${items.size} videos.`);
    } catch (err) {
      showError(err instanceof ApiFailure && err.code === "query_invalid" ? err.message : explain(err));
    }
  });
  setTimeout(() => void poll(), POLL_MS);
  setInterval(() => void catchUp(), CATCH_UP_MS);
  document.addEventListener("visibilitychange", () => void catchUp());
}

init().catch((err) => showError(`Something went wrong: ${explain(err)}`));
