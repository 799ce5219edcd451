/**
 * The admin API behind the jobs console (`/admin/jobs`): platform statistics, jobs with
 * their attempts and errors, farm nodes, and the actions (retry, cancel, re-process), each
 * recorded in the action log. Admins only: 401 without a token, 403 for anyone else — the
 * role is read from the database on every request (revokes apply at once).
 */
import { createRoute } from "@hono/zod-openapi";
import {
  ActionListQuery,
  ActionListSchema,
  JobActionResultSchema,
  JobDetailSchema,
  JobIdParam,
  JobListQuery,
  JobListSchema,
  NodeListSchema,
  ReprocessResultSchema,
  StatsSchema,
} from "../../../shared/api/admin.ts";
import { errorResponses, IdParam } from "../../../shared/api/common.ts";
import { createRouter } from "../http/openapi-app.ts";
import { bearer, ok } from "../http/openapi-helpers.ts";
import { requireAdmin } from "../services/admin-role.ts";

const tags = ["admin"];
const adminOnly =
  "Admins only (role `admin`, or an account in ADMIN_EMAILS): 401 without a token, 403 otherwise.";

export const adminRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/api/v1/admin/stats",
      tags,
      security: bearer,
      summary: "Videos by status, storage used, jobs by type and state, farm nodes",
      description: `${adminOnly} Storage counts kept sources and published media as recorded by the farm.`,
      responses: { 200: ok("Platform statistics", StatsSchema), ...errorResponses(401, 403) },
    }),
    async (c) => {
      await requireAdmin(c);
      return c.json(await c.var.services.adminQueries.stats(), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/v1/admin/jobs",
      tags,
      security: bearer,
      summary: "Jobs, newest first, filtered by state, type, video or node",
      description: `${adminOnly} Settled jobs are kept JOB_RETENTION_DAYS (farm setting).`,
      request: { query: JobListQuery },
      responses: { 200: ok("A page of jobs", JobListSchema), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      await requireAdmin(c);
      return c.json(await c.var.services.adminQueries.jobs(c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/v1/admin/jobs/{id}",
      tags,
      security: bearer,
      summary:
        "One job: its attempts (node, times, outcome, error, ffmpeg stderr tail) and the actions on it",
      description: adminOnly,
      request: { params: JobIdParam },
      responses: { 200: ok("The job", JobDetailSchema), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      await requireAdmin(c);
      return c.json(await c.var.services.adminQueries.jobDetail(Number(c.req.valid("param").id)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/admin/jobs/{id}/retry",
      tags,
      security: bearer,
      summary: "Retry a failed job (queued again, attempts from zero)",
      description:
        `${adminOnly} A failed transcode puts its video back into processing. 409 when the job is not ` +
        "failed, its video has no source any more, or another job of its kind is active for the video.",
      request: { params: JobIdParam },
      responses: {
        200: ok("Queued again", JobActionResultSchema),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const admin = await requireAdmin(c);
      return c.json(await c.var.services.adminActions.retry(Number(c.req.valid("param").id), admin), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/admin/jobs/{id}/cancel",
      tags,
      security: bearer,
      summary: "Cancel a queued or running job",
      description:
        `${adminOnly} A queued job is cancelled at once (outcome \`cancelled\`). A running one stops at ` +
        "its runner's next heartbeat and hands nothing back (outcome `cancel_requested`): its completion " +
        "is refused. Cancelling a video's transcode fails the video with `processing_cancelled` (a " +
        "re-processing of a ready video leaves it ready). 409 once the job has settled.",
      request: { params: JobIdParam },
      responses: {
        200: ok("Cancelled or requested", JobActionResultSchema),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const admin = await requireAdmin(c);
      return c.json(await c.var.services.adminActions.cancel(Number(c.req.valid("param").id), admin), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/admin/videos/{id}/reprocess",
      tags,
      security: bearer,
      summary: "Encode a ready or failed video again from its kept source",
      description:
        `${adminOnly} A failed video goes back to processing; a ready one stays ready until the new ` +
        "encoding publishes. 409 when the video is not ready or failed, has no kept source " +
        "(KEEP_SOURCE=false), or already has a transcode queued or running.",
      request: { params: IdParam },
      responses: {
        202: ok("Transcode queued", ReprocessResultSchema),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const admin = await requireAdmin(c);
      return c.json(await c.var.services.adminActions.reprocess(c.req.valid("param").id, admin), 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/v1/admin/nodes",
      tags,
      security: bearer,
      summary: "Farm nodes: last heartbeat, status and running jobs",
      description: `${adminOnly} A node is \`down\` after 30 s without a heartbeat; forgotten after a week.`,
      responses: { 200: ok("Farm nodes", NodeListSchema), ...errorResponses(401, 403) },
    }),
    async (c) => {
      await requireAdmin(c);
      return c.json({ items: await c.var.services.adminQueries.nodes() }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/v1/admin/actions",
      tags,
      security: bearer,
      summary: "The action log: who retried, cancelled or re-processed what, and when",
      description: adminOnly,
      request: { query: ActionListQuery },
      responses: {
        200: ok("A page of actions, newest first", ActionListSchema),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      await requireAdmin(c);
      return c.json(await c.var.services.adminQueries.actions(c.req.valid("query")), 200);
    },
  );
