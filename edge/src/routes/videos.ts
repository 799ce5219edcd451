import { createRoute } from "@hono/zod-openapi";
import { errorResponses, IdParam } from "../../../shared/api/common.ts";
import { PageQuery } from "../../../shared/api/page-query.ts";
import {
  CreateVideoBody,
  CreateVideoResponse,
  OwnListQuery,
  PlaybackSchema,
  UpdateVideoBody,
  UploadTicketSchema,
  VideoListSchema,
  VideoSchema,
} from "../../../shared/api/videos.ts";
import { requireViewer } from "../http/authenticate.ts";
import { createRouter } from "../http/openapi-app.ts";
import { bearer, json, ok } from "../http/openapi-helpers.ts";
import { markPublic, purgePublic, revokePublic } from "../http/public-cache.ts";
import { limitVideoCreation } from "../http/rate-limit.ts";
import { requireVerifiedEmail } from "../http/verified-email.ts";

export const videoRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/videos",
      tags: ["videos"],
      summary: "Create a video and get a token to upload its file",
      security: bearer,
      request: { body: json(CreateVideoBody) },
      description:
        "Rate limited per user (429 `rate_limited`); a user with MAX_AWAITING_UPLOAD_PER_USER videos " +
        "still awaiting their upload gets 429 `quota_exceeded` until one is uploaded or deleted, and " +
        "so does a user who had PROCESSING_MINUTES_PER_DAY minutes of video processed in the last 24 hours. " +
        "403 `email_unverified` while SIGNUP_REQUIRES_VERIFIED_EMAIL is on and the address is not verified.",
      responses: {
        201: ok("Created, awaiting upload", CreateVideoResponse),
        ...errorResponses(400, 401, 403, 413, 415, 429),
      },
    }),
    async (c) => {
      const viewer = requireViewer(c);
      await requireVerifiedEmail(c, viewer);
      await limitVideoCreation(c, viewer.id);
      const videos = await c.var.services.videos;
      return c.json(await videos.create(viewer, c.req.valid("json")), 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/videos/{id}/upload",
      tags: ["videos"],
      summary: "A fresh upload ticket (owner or admin): after a failure or an expired token",
      description:
        "For a video awaiting its upload or uploading, a new token (an interrupted tus upload " +
        "resumes with it). A failed video is reopened: it goes back to `awaiting_upload` with its " +
        "error, progress and previous source cleared, so a new file can be uploaded. 409 " +
        "`upload_not_allowed` while processing or once ready; 404 where the caller may not see the " +
        "video, 403 where they see it but may not change it; 429 `quota_exceeded` while the owner's " +
        "PROCESSING_MINUTES_PER_DAY are used up (a failed video is reopened all the same). No request body.",
      security: bearer,
      request: { params: IdParam },
      responses: {
        200: ok("A new upload ticket, like `upload` in the create response", UploadTicketSchema),
        ...errorResponses(400, 401, 403, 404, 409, 429),
      },
    }),
    async (c) => {
      const viewer = requireViewer(c);
      await requireVerifiedEmail(c, viewer);
      const videos = await c.var.services.videos;
      return c.json(await videos.reissueUpload(c.req.valid("param").id, viewer), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/v1/videos",
      tags: ["videos"],
      summary: "Public, ready videos, newest first",
      request: { query: PageQuery },
      responses: { 200: ok("A page of videos", VideoListSchema), ...errorResponses(400) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const videos = await c.var.services.videos;
      const page = await videos.listPublic(limit, cursor);
      markPublic(c); // the public catalog is the same for everyone
      return c.json(page, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/v1/me/videos",
      tags: ["videos"],
      summary: "The caller's own videos, in every status",
      description:
        "With `q`, only those whose title, description or subtitles (any track status) match it, " +
        "still newest first; an empty `q` or one over 200 characters is 400 `query_invalid`.",
      security: bearer,
      request: { query: OwnListQuery },
      responses: { 200: ok("A page of videos", VideoListSchema), ...errorResponses(400, 401) },
    }),
    async (c) => {
      const { limit, cursor, q } = c.req.valid("query");
      const videos = await c.var.services.videos;
      return c.json(await videos.listOwned(requireViewer(c), limit, cursor, q), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/v1/videos/{id}",
      tags: ["videos"],
      summary: "One video",
      description:
        "Public and unlisted videos are readable by anyone once ready; private ones only by the owner.",
      request: { params: IdParam },
      responses: { 200: ok("The video", VideoSchema), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const videos = await c.var.services.videos;
      const video = await videos.get(c.req.valid("param").id, c.get("viewer"));
      if (video.visibility === "public" && video.status === "ready") markPublic(c);
      return c.json(video, 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/videos/{id}",
      tags: ["videos"],
      summary: "Change a video's details (owner or admin)",
      security: bearer,
      request: { params: IdParam, body: json(UpdateVideoBody) },
      responses: {
        200: ok("The changed video", VideoSchema),
        ...errorResponses(400, 401, 403, 404, 413, 415),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const changes = c.req.valid("json");
      const videos = await c.var.services.videos;
      const video = await videos.update(id, requireViewer(c), changes);
      // No longer public: every cached list, search and page that may show it goes too.
      if (changes.visibility !== undefined && changes.visibility !== "public") await revokePublic(c);
      else purgePublic(c, `/api/v1/videos/${id}`);
      return c.json(video, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/videos/{id}",
      tags: ["videos"],
      summary: "Delete a video (owner or admin); its files are purged by the farm",
      security: bearer,
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const videos = await c.var.services.videos;
      await videos.remove(id, requireViewer(c));
      await revokePublic(c); // every cached list, search and page that may show it
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/v1/videos/{id}/playback",
      tags: ["videos"],
      summary: "Signed CDN URLs to play a ready video",
      description: "409 while the video is not ready; 404 where the caller may not see it.",
      request: { params: IdParam },
      responses: { 200: ok("Signed playback URLs", PlaybackSchema), ...errorResponses(400, 401, 404, 409) },
    }),
    async (c) => {
      const ip = c.req.header("cf-connecting-ip");
      return c.json(
        await c.var.services.playback.forVideo(c.req.valid("param").id, c.get("viewer"), ip),
        200,
      );
    },
  );
