/**
 * The jobs table of the console. Rows are kept per job id and updated in place on every
 * refresh (a new job is inserted above, never moved), so a refresh never takes the keyboard
 * focus from a button; a row's buttons are rebuilt only when the actions it offers change.
 */
import { ago, badge, type Job, stateText } from "./admin-format.ts";
import { h } from "./dom.ts";

export interface JobTableHooks {
  open(job: Job): void;
  retry(job: Job): void;
  cancel(job: Job): void;
}

interface Row {
  job: Job;
  tr: HTMLTableRowElement;
  state: HTMLTableCellElement;
  node: HTMLTableCellElement;
  attempts: HTMLTableCellElement;
  updated: HTMLTableCellElement;
  actions: HTMLTableCellElement;
  offered: string;
}

export const canRetry = (job: Job) => job.state === "failed";
export const canCancel = (job: Job) =>
  job.state === "queued" || (job.state === "running" && !job.cancelRequestedAt);

export class JobTable {
  readonly rows = new Map<number, Row>();

  constructor(
    private readonly body: HTMLTableSectionElement,
    private readonly hooks: JobTableHooks,
  ) {}

  /** Shows exactly `jobs` (newest first), reusing the rows already there. */
  show(jobs: Job[]): void {
    const wanted = new Set(jobs.map((job) => job.id));
    for (const [id, row] of this.rows) {
      if (!wanted.has(id)) {
        row.tr.remove();
        this.rows.delete(id);
      }
    }
    let next: Element | null = this.body.firstElementChild;
    for (const job of jobs) {
      const row = this.rows.get(job.id);
      if (row) {
        this.update(row, job);
        next = row.tr.nextElementSibling;
      } else {
        const created = this.create(job);
        this.body.insertBefore(created.tr, next);
      }
    }
  }

  private create(job: Job): Row {
    const open = h("button", { type: "button", class: "link-button" }, `#${job.id} ${job.type}`);
    open.addEventListener("click", () => this.hooks.open(row.job));
    const video = h(
      "td",
      { "data-label": "Video" },
      job.videoId
        ? h(
            "a",
            { href: `/watch/${job.videoId}`, title: job.videoId },
            job.videoTitle ?? job.videoId.slice(0, 8),
          )
        : h("span", { class: "muted" }, "—"),
    );
    const cell = (label: string) => h("td", { "data-label": label });
    const row: Row = {
      job,
      tr: h("tr", { id: `job-${job.id}`, "data-state": job.state }),
      state: cell("State"),
      node: cell("Node"),
      attempts: cell("Attempts"),
      updated: cell("Updated"),
      actions: h("td", { class: "row-actions" }),
      offered: "",
    };
    row.tr.append(
      h("th", { scope: "row", "data-label": "Job" }, open),
      row.state,
      video,
      row.node,
      row.attempts,
      row.updated,
      row.actions,
    );
    this.rows.set(job.id, row);
    this.update(row, job);
    return row;
  }

  private update(row: Row, job: Job): void {
    row.job = job;
    row.tr.dataset.state = job.state;
    const text = stateText(job);
    if (row.state.textContent !== text) row.state.replaceChildren(badge(job.state, text));
    row.node.textContent = job.node ?? "—";
    row.attempts.textContent = String(job.attempts);
    row.updated.textContent = ago(job.updatedAt);
    row.updated.title = new Date(job.updatedAt).toLocaleString();
    const offered = `${canRetry(job)}:${canCancel(job)}`;
    if (offered === row.offered) return;
    row.offered = offered;
    const buttons: HTMLButtonElement[] = [];
    if (canRetry(job)) {
      const retry = h(
        "button",
        { type: "button" },
        "Retry",
        h("span", { class: "visually-hidden" }, ` job ${job.id}`),
      );
      retry.addEventListener("click", () => this.hooks.retry(row.job));
      buttons.push(retry);
    }
    if (canCancel(job)) {
      const cancel = h(
        "button",
        { type: "button", class: "danger" },
        "Cancel",
        h("span", { class: "visually-hidden" }, ` job ${job.id}`),
      );
      cancel.addEventListener("click", () => this.hooks.cancel(row.job));
      buttons.push(cancel);
    }
    // The focused button keeps the focus if it is offered again (e.g. Cancel while queued → running).
    const focused = row.actions.contains(document.activeElement)
      ? (document.activeElement?.textContent ?? "")
      : "";
    row.actions.replaceChildren(...buttons);
    buttons.find((b) => b.textContent === focused)?.focus();
  }
}
