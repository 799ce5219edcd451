import { JOB_STATES, JOB_TYPES } from "../../../shared/jobs/job-types.ts";
import type { AssetManifest } from "../../../shared/web/asset-manifest.ts";
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
        <h1 id="admin-heading" tabindex={-1}>
          Jobs console
        </h1>
        <div class="admin-live">
          <label class="inline-check">
            <input type="checkbox" id="admin-live" checked />
            Live refresh
          </label>
          <span class="muted" id="admin-updated" />
        </div>
      </div>
      <p class="muted" id="admin-loading">
        Loading…
      </p>
      <div class="notice" id="admin-denied" hidden>
        <h2>Admins only</h2>
        <p class="muted">
          The jobs console is for operators. An operator makes an account an admin with{" "}
          <code>npm run admin -- grant &lt;email&gt;</code>.
        </p>
      </div>
      <p class="form-error" id="admin-error" role="alert" />
      <p class="visually-hidden" id="admin-status" role="status" />
      <div id="admin-console" hidden>
        <section class="stat-grid" aria-label="Overview" id="admin-stats" />
        <div class="admin-layout">
          <section class="admin-jobs" aria-labelledby="jobs-heading">
            <h2 id="jobs-heading">Jobs</h2>
            <form id="job-filters" class="admin-filters" aria-label="Filter jobs">
              <label>
                <span>State</span>
                <select name="state" id="filter-state">
                  <option value="">any</option>
                  {JOB_STATES.map((state) => (
                    <option value={state}>{state}</option>
                  ))}
                </select>
              </label>
              <label>
                <span>Type</span>
                <select name="type" id="filter-type">
                  <option value="">any</option>
                  {JOB_TYPES.map((type) => (
                    <option value={type}>{type}</option>
                  ))}
                </select>
              </label>
              <label>
                <span>Video id</span>
                <input type="search" name="videoId" id="filter-video" autocomplete="off" spellcheck={false} />
              </label>
              <label>
                <span>Node</span>
                <input type="search" name="node" id="filter-node" autocomplete="off" spellcheck={false} />
              </label>
              <div class="actions">
                <button type="submit" class="primary">
                  Filter
                </button>
                <button type="reset" id="filter-clear">
                  Clear
                </button>
              </div>
            </form>
            <table class="admin-table" aria-labelledby="jobs-heading">
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
              <tbody id="jobs-body" />
            </table>
            <p class="muted" id="jobs-empty" hidden>
              No jobs match.
            </p>
            <p class="muted" id="jobs-older" hidden>
              Older jobs: narrow the list with the filters.
            </p>
            <p class="more" id="jobs-more-wrap" hidden>
              <button type="button" id="jobs-more">
                More jobs
              </button>
            </p>
          </section>
          <div class="admin-side">
            <section aria-labelledby="nodes-heading">
              <h2 id="nodes-heading">Farm nodes</h2>
              <ul class="node-list" id="nodes-list" aria-labelledby="nodes-heading" />
            </section>
            <section aria-labelledby="actions-heading">
              <h2 id="actions-heading">Action log</h2>
              <ol class="action-log" id="actions-list" aria-labelledby="actions-heading" />
            </section>
          </div>
        </div>
      </div>
      <dialog id="job-dialog" class="job-dialog" aria-labelledby="job-title">
        <div class="job-dialog-head">
          <h2 id="job-title">Job</h2>
          <button type="button" id="job-close">
            Close
          </button>
        </div>
        <div id="job-body" />
        <div class="actions" id="job-actions" />
      </dialog>
      <ConfirmDialog />
    </Layout>
  );
}
