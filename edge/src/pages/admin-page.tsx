import { JOB_STATES, JOB_TYPES } from "../../../shared/jobs/job-types.ts";
import type { AssetManifest } from "../../../shared/web/asset-manifest.ts";
import { adminDetailIds } from "../../../shared/web/pages/admin-detail-contract.ts";
import { adminIds } from "../../../shared/web/pages/admin-page-contract.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { Layout } from "./layout.tsx";

/**
 * `/admin/jobs`, the jobs console: statistics, jobs with filters and live refresh, a job's
 * attempts and errors, farm nodes and the action log. Who may see it is known only in the
 * browser, so this is the same shell for everyone; the page script asks the admin API, and
 * anyone it refuses sees only the "admins only" notice.
 */
export function AdminPage({ assets }: { assets: AssetManifest }) {
  return (
    <Layout title="Jobs console" page="admin" assets={assets}>
      <div class="admin-top">
        <h1 id={adminIds.heading} tabindex={-1}>
          Jobs console
        </h1>
        <div class="admin-live">
          <label class="inline-check">
            <input type="checkbox" id={adminIds.live} checked />
            Live refresh
          </label>
          <span class="muted" id={adminIds.updated} />
        </div>
      </div>
      <p class="muted" id={adminIds.loading}>
        Loading…
      </p>
      <div class="notice" id={adminIds.denied} hidden>
        <h2>Admins only</h2>
        <p class="muted">
          The jobs console is for operators. An operator makes an account an admin with{" "}
          <code>npm run admin -- grant &lt;email&gt;</code>.
        </p>
      </div>
      <p class="form-error" id={adminIds.error} role="alert" />
      <p class="visually-hidden" id={adminIds.status} role="status" />
      <div id={adminIds.console} hidden>
        <section class="stat-grid" aria-label="Overview" id={adminIds.stats} />
        <div class="admin-layout">
          <section class="admin-jobs" aria-labelledby={adminIds.jobsHeading}>
            <h2 id={adminIds.jobsHeading}>Jobs</h2>
            <form id={adminIds.filters} class="admin-filters" aria-label="Filter jobs">
              <label>
                <span>State</span>
                <select name="state" id={adminIds.filterState}>
                  <option value="">any</option>
                  {JOB_STATES.map((state) => (
                    <option value={state}>{state}</option>
                  ))}
                </select>
              </label>
              <label>
                <span>Type</span>
                <select name="type" id={adminIds.filterType}>
                  <option value="">any</option>
                  {JOB_TYPES.map((type) => (
                    <option value={type}>{type}</option>
                  ))}
                </select>
              </label>
              <label>
                <span>Video id</span>
                <input
                  type="search"
                  name="videoId"
                  id={adminIds.filterVideo}
                  autocomplete="off"
                  spellcheck={false}
                />
              </label>
              <label>
                <span>Node</span>
                <input
                  type="search"
                  name="node"
                  id={adminIds.filterNode}
                  autocomplete="off"
                  spellcheck={false}
                />
              </label>
              <div class="actions">
                <button type="submit" class="primary">
                  Filter
                </button>
                <button type="reset" id={adminIds.filterClear}>
                  Clear
                </button>
              </div>
            </form>
            <table class="admin-table" aria-labelledby={adminIds.jobsHeading}>
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">State</th>
                  <th scope="col">Video</th>
                  <th scope="col">Node</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Updated</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody id={adminIds.jobsBody} />
            </table>
            <p class="muted" id={adminIds.jobsEmpty} hidden>
              No jobs match.
            </p>
            <p class="muted" id={adminIds.jobsOlder} hidden>
              Older jobs: narrow the list with the filters.
            </p>
            <p class="more" id={adminIds.jobsMoreWrap} hidden>
              <button type="button" id={adminIds.jobsMore}>
                More jobs
              </button>
            </p>
          </section>
          <div class="admin-side">
            <section aria-labelledby={adminIds.nodesHeading}>
              <h2 id={adminIds.nodesHeading}>Farm nodes</h2>
              <ul class="node-list" id={adminIds.nodesList} aria-labelledby={adminIds.nodesHeading} />
            </section>
            <section aria-labelledby={adminIds.actionsHeading}>
              <h2 id={adminIds.actionsHeading}>Action log</h2>
              <ol class="action-log" id={adminIds.actionsList} aria-labelledby={adminIds.actionsHeading} />
            </section>
          </div>
        </div>
      </div>
      <dialog id={adminDetailIds.dialog} class="job-dialog" aria-labelledby={adminDetailIds.title}>
        <div class="job-dialog-head">
          <h2 id={adminDetailIds.title}>Job</h2>
          <button type="button" id={adminDetailIds.close}>
            Close
          </button>
        </div>
        <div id={adminDetailIds.body} />
        <div class="actions" id={adminDetailIds.actions} />
      </dialog>
      <ConfirmDialog />
    </Layout>
  );
}
