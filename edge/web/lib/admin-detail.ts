/**
 * The job detail of the console (`<dialog id={adminDetailIds.dialog}>`): its timings, last error,
 * ffmpeg's stderr tail, every attempt and the admin actions on it, with its actions (retry,
 * cancel, re-process the video). Refreshed with the rest of the console while open.
 */
import { adminDetailIds } from "../../../shared/web/pages/admin-detail-contract.ts";
import {
  actionText,
  ago,
  badge,
  duration,
  type Job,
  type JobDetail,
  stamp,
  stateText,
} from "./admin-format.ts";
import { canCancel, canRetry } from "./admin-jobs.ts";
import { api } from "./api.ts";
import { byId, h } from "./dom.ts";

export interface JobDialogHooks {
  retry(job: Job): void;
  cancel(job: Job): void;
  reprocess(videoId: string): void;
}

export class JobDialog {
  private readonly dialog = byId<HTMLDialogElement>(adminDetailIds.dialog);
  private current: number | undefined;
  private returnTo: HTMLElement | null = null;
  private offered = "";
  private job: JobDetail | undefined;

  constructor(private readonly hooks: JobDialogHooks) {
    byId(adminDetailIds.close).addEventListener("click", () => this.dialog.close());
    this.dialog.addEventListener("close", () => {
      this.current = undefined;
      this.offered = "";
      this.returnTo?.focus();
    });
  }

  get openJob(): number | undefined {
    return this.current;
  }

  async open(id: number): Promise<void> {
    this.returnTo = document.activeElement as HTMLElement | null;
    this.current = id;
    this.offered = "";
    await this.refresh();
    if (!this.dialog.open) this.dialog.showModal();
    byId(adminDetailIds.close).focus();
  }

  async refresh(): Promise<void> {
    const id = this.current;
    if (id === undefined) return;
    const job = await api<JobDetail>(`/api/v1/admin/jobs/${id}`);
    if (this.current !== id) return;
    this.job = job;
    byId(adminDetailIds.title).textContent = `Job #${job.id} · ${job.type}`;
    byId(adminDetailIds.body).replaceChildren(...this.body(job));
    this.actions(job);
  }

  private body(job: JobDetail): Node[] {
    const facts: [string, Node | string][] = [
      ["State", badge(job.state, stateText(job))],
      [
        "Video",
        job.videoId
          ? h("a", { href: `/watch/${job.videoId}` }, job.videoTitle ?? job.videoId)
          : h("span", { class: "muted" }, "none"),
      ],
      ["Node", job.node ?? "—"],
      ["Attempts", String(job.attempts)],
      ["Created", `${stamp(job.createdAt)} (${ago(job.createdAt)})`],
      ["Started", job.startedAt ? `${stamp(job.startedAt)} (${ago(job.startedAt)})` : "—"],
      ["Finished", job.finishedAt ? `${stamp(job.finishedAt)} (${ago(job.finishedAt)})` : "—"],
    ];
    if (job.state === "queued") facts.push(["Runs", ago(job.runAt) === "now" ? "now" : ago(job.runAt)]);
    if (job.leaseUntil) facts.push(["Lease until", stamp(job.leaseUntil)]);
    if (job.cancelRequestedAt)
      facts.push(["Cancel asked", `${stamp(job.cancelRequestedAt)} — stops at its next heartbeat`]);
    const nodes: Node[] = [
      h(
        "dl",
        { class: "facts" },
        ...facts.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]),
      ),
      h("h3", {}, "Payload"),
      h("pre", { class: "code" }, JSON.stringify(job.payload, null, 2)),
    ];
    if (job.lastError)
      nodes.push(h("h3", {}, "Last error"), h("pre", { class: "code error-text" }, job.lastError));
    if (job.stderrTail) {
      nodes.push(
        h("h3", { id: "stderr-heading" }, "ffmpeg stderr (tail)"),
        h("pre", { class: "code stderr", tabindex: 0, "aria-labelledby": "stderr-heading" }, job.stderrTail),
      );
    }
    nodes.push(h("h3", { id: "attempts-heading" }, "Attempts"));
    nodes.push(
      job.attemptsLog.length === 0
        ? h("p", { class: "muted" }, "Not run yet.")
        : h(
            "div",
            { class: "table-wrap" },
            h(
              "table",
              { class: "attempts-table", "aria-labelledby": "attempts-heading" },
              h(
                "thead",
                {},
                h(
                  "tr",
                  {},
                  ...["#", "Node", "Started", "Took", "Outcome", "Error"].map((t) =>
                    h("th", { scope: "col" }, t),
                  ),
                ),
              ),
              h(
                "tbody",
                {},
                ...job.attemptsLog.map((a) =>
                  h(
                    "tr",
                    {},
                    h("td", {}, String(a.attempt)),
                    h("td", {}, a.node),
                    h("td", { title: stamp(a.startedAt) }, ago(a.startedAt)),
                    h("td", {}, a.durationMs === null ? "running" : duration(a.durationMs)),
                    h("td", {}, a.outcome ? badge(a.outcome) : "—"),
                    h("td", { class: "error-text" }, a.error ?? ""),
                  ),
                ),
              ),
            ),
          ),
    );
    if (job.actions.length > 0) {
      nodes.push(
        h("h3", {}, "Admin actions"),
        h(
          "ul",
          { class: "plain" },
          ...job.actions.map((a) => h("li", {}, `${ago(a.createdAt)}: ${actionText(a)}`)),
        ),
      );
    }
    return nodes;
  }

  /** The buttons, rebuilt only when what is offered changes (a refresh keeps the focus). */
  private actions(job: JobDetail): void {
    const offered = `${canRetry(job)}:${canCancel(job)}:${job.videoId !== null && job.type === "transcode"}`;
    if (offered === this.offered) return;
    this.offered = offered;
    const buttons: HTMLButtonElement[] = [];
    const add = (text: string, onClick: () => void, danger = false) => {
      const button = h("button", { type: "button", class: danger ? "danger" : "" }, text);
      button.addEventListener("click", onClick);
      buttons.push(button);
    };
    // The latest view of the job when clicked, not the one these buttons were made from.
    if (canRetry(job)) add("Retry job", () => this.hooks.retry(this.job ?? job));
    if (canCancel(job)) add("Cancel job", () => this.hooks.cancel(this.job ?? job), true);
    const videoId = job.videoId;
    if (videoId && job.type === "transcode") add("Re-process video", () => this.hooks.reprocess(videoId));
    byId(adminDetailIds.actions).replaceChildren(...buttons);
  }
}
