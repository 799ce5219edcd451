import { createRoute } from "@hono/zod-openapi";
import { errorResponses, IdParam } from "../../../shared/api/common.ts";
import {
  CreateVideoBody,
  CreateVideoResponse,
  ListQuery,
  PlaybackSchema,
  UpdateVideoBody,
  VideoListSchema,
  VideoSchema,
} from "../../../shared/api/videos.ts";
import { requireViewer } from "../http/authenticate.ts";
import { createRouter } from "../http/openapi-app.ts";
import { playbackService, videoService } from "../http/services.ts";

const json = <T>(schema: T) => ({ content: { "application/json": { schema } }, required: true });
const ok = <T>(description: string, schema: T) => ({
  description,
  content: { "application/json": { schema } },
});
const bearer = [{ bearer: [] }];

export const videoRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/videos",
      tags: ["videos"],
      summary: "Create a video and get a token to upload its file",
      security: bearer,
      request: { body: json(CreateVideoBody) },
      responses: {
        201: ok("Created, awaiting upload", CreateVideoResponse),
        ...errorResponses(400, 401, 413, 415),
      },
    }),
    async (c) => c.json(await (await videoService(c)).create(requireViewer(c), c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/v1/videos",
      tags: ["videos"],
      summary: "Public, ready videos, newest first",
      request: { query: ListQuery },
      responses: { 200: ok("A page of videos", VideoListSchema), ...errorResponses(400) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      return c.json(await (await videoService(c)).listPublic(limit, cursor), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/v1/me/videos",
      tags: ["videos"],
      summary: "The caller's own videos, in every status",
      security: bearer,
      request: { query: ListQuery },
      responses: { 200: ok("A page of videos", VideoListSchema), ...errorResponses(400, 401) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      return c.json(await (await videoService(c)).listOwned(requireViewer(c), limit, cursor), 200);
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
    async (c) => c.json(await (await videoService(c)).get(c.req.valid("param").id, c.get("viewer")), 200),
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
      const service = await videoService(c);
      return c.json(
        await service.update(c.req.valid("param").id, requireViewer(c), c.req.valid("json")),
        200,
      );
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
      await (await videoService(c)).remove(c.req.valid("param").id, requireViewer(c));
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
      return c.json(await playbackService(c).forVideo(c.req.valid("param").id, c.get("viewer"), ip), 200);
    },
  );
