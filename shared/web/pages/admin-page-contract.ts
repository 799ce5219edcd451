/**
 * `/admin/jobs` (edge/src/pages/admin-page.tsx, script edge/web/pages/admin.ts): the jobs
 * console's status lines, statistics, filters, job table, nodes and action log. The job
 * dialog's ids are in admin-detail-contract.ts.
 */
import { defineIds } from "./element-ids.ts";

export const adminIds = defineIds({
  heading: "admin-heading",
  live: "admin-live",
  updated: "admin-updated",
  loading: "admin-loading",
  denied: "admin-denied",
  error: "admin-error",
  status: "admin-status",
  console: "admin-console",
  stats: "admin-stats",
  jobsHeading: "jobs-heading",
  filters: "job-filters",
  filterState: "filter-state",
  filterType: "filter-type",
  filterVideo: "filter-video",
  filterNode: "filter-node",
  filterClear: "filter-clear",
  jobsBody: "jobs-body",
  jobsEmpty: "jobs-empty",
  jobsOlder: "jobs-older",
  jobsMoreWrap: "jobs-more-wrap",
  jobsMore: "jobs-more",
  nodesHeading: "nodes-heading",
  nodesList: "nodes-list",
  actionsHeading: "actions-heading",
  actionsList: "actions-list",
});
