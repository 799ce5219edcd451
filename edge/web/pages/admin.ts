/**
 * `/admin/jobs`: the jobs console. Statistics, jobs (filters in the URL query, newest first,
 * "More jobs"), farm nodes and the action log, refreshed every few seconds while "Live
 * refresh" is on and the tab is visible; a job's detail in a dialog; retry, cancel and
 * re-process after a confirmation. The admin API decides who sees it: anyone it refuses
 * (403) gets the "admins only" notice. `window.movio.admin` is for the browser tests.
 */
import { adminIds } from "../../../shared/web/pages/admin-page-contract.ts";
import "../lib/account.ts";
import { bytes } from "../../../shared/web/format.ts";
import { JobDialog } from "../lib/admin-detail.ts";
import {
  type AdminAction,
  actionText,
  ago,
  badge,
  type FarmNode,
  type Job,
  type Stats,
} from "../lib/admin-format.ts";
import { JobTable } from "../lib/admin-jobs.ts";
import { ApiFailure, api, explain } from "../lib/api.ts";
import { confirmAction } from "../lib/confirm.ts";
import { byId, h } from "../lib/dom.ts";
import { requireUser } from "../lib/session.ts";

const REFRESH_MS = 3000;
const PAGE = 50;

const state = { loaded: false, denied: false, refreshes: 0 };
(window as unknown as { movio: { admin: typeof state } }).movio = { admin: state };

let shown = PAGE;
let nextCursor: string | null = null;

function announce(text: string): void {
  const status = byId(adminIds.status);
  status.textContent = "";
  requestAnimationFrame(() => {
    status.textContent = text;
  });
}

function showError(text: string): void {
  byId(adminIds.error).textContent = text;
}

const filterForm = byId<HTMLFormElement>(adminIds.filters);

function filters(): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(filterForm)) {
    if (typeof value === "string" && value.trim()) params.set(name, value.trim());
  }
  return params;
}

/** The URL's ?state=&type=&videoId=&node= fill the filters (links can point at a view). */
function filtersFromUrl(): void {
  const query = new URLSearchParams(location.search);
  for (const name of ["state", "type", "videoId", "node"]) {
    const field = filterForm.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
    if (field) field.value = query.get(name) ?? "";
  }
}

const table = new JobTable(byId<HTMLTableSectionElement>(adminIds.jobsBody), {
  open: (job) => void dialog.open(job.id).catch((err) => showError(explain(err))),
  retry: (job) => void retry(job),
  cancel: (job) => void cancel(job),
});
const dialog = new JobDialog({
  retry: (job) => void retry(job),
  cancel: (job) => void cancel(job),
  reprocess: (videoId) => void reprocess(videoId),
});

async function loadJobs(): Promise<void> {
  const params = filters();
  params.set("limit", String(Math.min(100, shown)));
  const page = await api<{ items: Job[]; nextCursor: string | null }>(`/api/v1/admin/jobs?${params}`);
  table.show(page.items);
  nextCursor = page.nextCursor;
  // One page of at most 100 rows refreshes live; older jobs are found with the filters.
  byId(adminIds.jobsMoreWrap).hidden = !nextCursor || shown >= 100;
  byId(adminIds.jobsOlder).hidden = !nextCursor || shown < 100;
  byId(adminIds.jobsEmpty).hidden = page.items.length > 0;
}

function stat(label: string, value: string, detail: string, tone = ""): HTMLElement {
  return h(
    "div",
    { class: `stat ${tone}` },
    h("p", { class: "stat-label" }, label),
    h("p", { class: "stat-value" }, value),
    h("p", { class: "stat-detail muted" }, detail),
  );
}

function renderStats(stats: Stats): void {
  const v = stats.videos.byStatus;
  const j = stats.jobs.byState;
  const inFlight = v.uploading + v.processing + v.awaiting_upload;
  byId(adminIds.stats).replaceChildren(
    stat(
      "Videos",
      String(stats.videos.total),
      `${v.ready} ready · ${inFlight} in progress · ${v.failed} failed`,
    ),
    stat(
      "Storage",
      bytes(stats.storage.totalBytes),
      `sources ${bytes(stats.storage.sourceBytes)} · media ${bytes(stats.storage.mediaBytes)}`,
    ),
    stat(
      "Jobs",
      `${j.queued} queued · ${j.running} running`,
      stats.jobs.oldestQueuedAt
        ? `oldest queued since ${ago(stats.jobs.oldestQueuedAt).replace(" ago", "")} · ${j.failed} failed`
        : `${j.done} done · ${j.failed} failed · ${j.cancelled} cancelled`,
      j.failed > 0 ? "attention" : "",
    ),
    stat(
      "Farm nodes",
      `${stats.nodes.up} up`,
      `${stats.nodes.down} down · ${stats.nodes.runningJobs} jobs running`,
      stats.nodes.down > 0 || stats.nodes.up === 0 ? "attention" : "",
    ),
  );
}

function renderNodes(nodes: FarmNode[]): void {
  const list = byId(adminIds.nodesList);
  if (nodes.length === 0) {
    list.replaceChildren(h("li", { class: "muted" }, "No farm node has reported yet."));
    return;
  }
  list.replaceChildren(
    ...nodes.map((node) =>
      h(
        "li",
        { class: "node" },
        h("div", { class: "node-head" }, h("strong", {}, node.nodeId), badge(node.status)),
        h(
          "p",
          { class: "muted node-meta" },
          `${node.host} · pid ${node.pid}${node.workers ? "" : " · uploads only"} · heartbeat ${ago(node.lastSeenAt)}`,
        ),
        node.runningJobs.length === 0
          ? h("p", { class: "muted node-meta" }, "idle")
          : h(
              "ul",
              { class: "plain" },
              ...node.runningJobs.map((job) => {
                const open = h("button", { type: "button", class: "link-button" }, `#${job.id} ${job.type}`);
                open.addEventListener(
                  "click",
                  () => void dialog.open(job.id).catch((err) => showError(explain(err))),
                );
                return h("li", {}, open, job.startedAt ? ` · ${ago(job.startedAt).replace(" ago", "")}` : "");
              }),
            ),
      ),
    ),
  );
}

function renderActions(actions: AdminAction[]): void {
  const list = byId(adminIds.actionsList);
  if (actions.length === 0) {
    list.replaceChildren(h("li", { class: "muted" }, "No actions yet."));
    return;
  }
  list.replaceChildren(
    ...actions.map((action) =>
      h(
        "li",
        {},
        h(
          "time",
          { datetime: action.createdAt, title: new Date(action.createdAt).toLocaleString() },
          ago(action.createdAt),
        ),
        " ",
        actionText(action),
      ),
    ),
  );
}

/** Everything the console shows, in one round of requests. */
async function refresh(): Promise<void> {
  const [stats, nodes, actions] = await Promise.all([
    api<Stats>("/api/v1/admin/stats"),
    api<{ items: FarmNode[] }>("/api/v1/admin/nodes"),
    api<{ items: AdminAction[] }>("/api/v1/admin/actions?limit=15"),
    loadJobs(),
    dialog.refresh(),
  ]);
  renderStats(stats);
  renderNodes(nodes.items);
  renderActions(actions.items);
  byId(adminIds.updated).textContent = `updated ${new Date().toLocaleTimeString()}`;
  state.refreshes += 1;
}

async function act(what: string, run: () => Promise<unknown>, done: string): Promise<void> {
  showError("");
  try {
    await run();
    announce(done);
  } catch (err) {
    showError(`${what} failed: ${explain(err)}`);
  }
  await refresh().catch((err) => showError(explain(err)));
}

async function retry(job: Job): Promise<void> {
  const ok = await confirmAction({
    title: `Retry job #${job.id}?`,
    text:
      job.type === "transcode"
        ? "It is queued again with its attempts counted from zero, and its video goes back to processing."
        : "It is queued again with its attempts counted from zero.",
    confirm: "Retry job",
    cancel: "Not now",
  });
  if (!ok) return;
  await act(
    "Retry",
    () => api(`/api/v1/admin/jobs/${job.id}/retry`, { method: "POST" }),
    `Job #${job.id} queued again.`,
  );
}

async function cancel(job: Job): Promise<void> {
  const running = job.state === "running";
  const ok = await confirmAction({
    title: `Cancel job #${job.id}?`,
    text: [
      running
        ? "It stops at its next heartbeat, within seconds, and nothing it made is kept."
        : "It will not run.",
      job.type === "transcode"
        ? "Its video is marked failed (processing cancelled) unless it was already ready."
        : "",
    ]
      .filter(Boolean)
      .join(" "),
    confirm: "Cancel job",
    cancel: running ? "Keep it running" : "Keep it",
  });
  if (!ok) return;
  await act(
    "Cancel",
    () => api(`/api/v1/admin/jobs/${job.id}/cancel`, { method: "POST" }),
    running ? `Job #${job.id} stops at its next heartbeat.` : `Job #${job.id} cancelled.`,
  );
}

async function reprocess(videoId: string): Promise<void> {
  const ok = await confirmAction({
    title: "Re-process this video?",
    text: "It is encoded again from its kept source. A ready video stays playable until the new encoding is published.",
    confirm: "Re-process video",
    cancel: "Not now",
  });
  if (!ok) return;
  await act(
    "Re-process",
    () => api(`/api/v1/admin/videos/${videoId}/reprocess`, { method: "POST" }),
    "The video's transcode is queued.",
  );
}

let timer: ReturnType<typeof setTimeout> | undefined;
function schedule(): void {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    const live = byId<HTMLInputElement>(adminIds.live).checked;
    if (live && !document.hidden) await refresh().catch((err) => showError(explain(err)));
    schedule();
  }, REFRESH_MS);
}

async function init(): Promise<void> {
  await requireUser();
  filtersFromUrl();
  try {
    await refresh();
  } catch (err) {
    byId(adminIds.loading).hidden = true;
    if (err instanceof ApiFailure && err.status === 403) {
      state.denied = true;
      byId(adminIds.denied).hidden = false;
      return;
    }
    showError(`The console could not be loaded: ${explain(err)}`);
    return;
  }
  byId(adminIds.loading).hidden = true;
  byId(adminIds.console).hidden = false;
  state.loaded = true;
  filterForm.addEventListener("submit", (event) => {
    event.preventDefault();
    shown = PAGE;
    const params = filters();
    history.replaceState(null, "", params.size ? `?${params}` : location.pathname);
    void loadJobs()
      .then(() => announce(`${table.rows.size} jobs shown.`))
      .catch((err) => showError(explain(err)));
  });
  filterForm.addEventListener("reset", () => {
    // After the reset has cleared the fields.
    setTimeout(() => filterForm.requestSubmit(), 0);
  });
  byId(adminIds.jobsMore).addEventListener("click", () => {
    shown += PAGE;
    void loadJobs().catch((err) => showError(explain(err)));
  });
  byId(adminIds.live).addEventListener("change", () => {
    if (byId<HTMLInputElement>(adminIds.live).checked) void refresh().catch((err) => showError(explain(err)));
  });
  schedule();
}

init().catch((err) => showError(`Something went wrong: ${explain(err)}`));
