import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, IdParam } from "../../../shared/api/common.ts";
import {
  CaptionsQueuedSchema,
  CueEditsBody,
  GetSubtitleQuery,
  OriginQuery,
  PutSubtitleQuery,
  SubtitleCuesSchema,
  SubtitlePathParams,
  SubtitleTrackListSchema,
  SubtitleTrackSchema,
  TranslationsBody,
  TranslationsResponse,
} from "../../../shared/api/subtitles.ts";
import { toSrt } from "../../../shared/subtitles/to-srt.ts";
import { toWebVtt } from "../../../shared/subtitles/to-webvtt.ts";
import { requireViewer } from "../http/authenticate.ts";
import { createRouter } from "../http/openapi-app.ts";
import { bearer, json, ok } from "../http/openapi-helpers.ts";
import { purgePublic } from "../http/public-cache.ts";
import { checkSubtitleUpload, readSubtitleUpload, SUBTITLE_MEDIA_TYPES } from "../http/subtitle-file.ts";

const tags = ["subtitles"];
const FILE_TYPES = { vtt: "text/vtt; charset=utf-8", srt: "application/x-subrip; charset=utf-8" } as const;
const langNote =
  "`:lang` is a BCP 47 tag (`en`, `pt-BR`; `pt_br` and ISO 639-2 `eng` are canonicalised); `und` names a " +
  "track whose language is unknown. Several tracks of one language (uploaded, machine, embedded): the " +
  "first of those in that order, or `?origin=`.";
const fileBody = Object.fromEntries(
  SUBTITLE_MEDIA_TYPES.map((type) => [type, { schema: z.string().openapi({ format: "binary" }) }]),
);

export const subtitleRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/api/v1/videos/{id}/subtitles",
      tags,
      summary: "The video's subtitle tracks, each with its status",
      description: "Readable by whoever may read the video (404 otherwise).",
      request: { params: IdParam },
      responses: { 200: ok("The tracks", SubtitleTrackListSchema), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const items = await c.var.services.subtitles.list(c.req.valid("param").id, c.get("viewer"));
      return c.json({ items }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/api/v1/videos/{id}/subtitles/{lang}",
      tags,
      summary: "Upload a WebVTT or SRT file as the language's track (owner or admin)",
      description:
        "The file is the body (UTF-8 with or without BOM, or UTF-16 with BOM; the format is recognised from " +
        "the content). It replaces the video's uploaded track of that language: 201 when new, 200 when " +
        "replaced. At most SUBTITLE_MAX_BYTES (413); an invalid file gets 422 `subtitle_invalid` naming the " +
        "first bad line; cues past the video's end are trimmed. More than SUBTITLE_MAX_CUES cues: 413 " +
        "`too_many_cues`; a new language on a video that has SUBTITLE_MAX_TRACKS tracks: 409 `too_many_tracks`. " +
        "Works while the video is processing; the farm republishes the subtitles (the track is `publishing` " +
        `until playback lists it). ${langNote}`,
      security: bearer,
      request: {
        params: SubtitlePathParams,
        query: PutSubtitleQuery,
        body: { content: fileBody, required: true },
      },
      responses: {
        200: ok("Replaced", SubtitleTrackSchema),
        201: ok("Created", SubtitleTrackSchema),
        ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422),
      },
    }),
    async (c) => {
      const viewer = requireViewer(c);
      checkSubtitleUpload(c);
      const { id, lang } = c.req.valid("param");
      const { track, created } = await c.var.services.subtitles.upload(
        id,
        lang,
        viewer,
        () => readSubtitleUpload(c),
        c.req.valid("query"),
      );
      purgePublic(c, `/api/v1/videos/${id}`);
      return created ? c.json(track, 201) : c.json(track, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/v1/videos/{id}/subtitles/{lang}",
      tags,
      summary: "One track with its cues, or as a .vtt/.srt file",
      description: `\`?format=vtt|srt\` answers the file itself (UTF-8). ${langNote}`,
      request: { params: SubtitlePathParams, query: GetSubtitleQuery },
      responses: {
        200: {
          description: "The track and its cues (JSON), or the file",
          content: {
            "application/json": { schema: SubtitleCuesSchema },
            "text/vtt": { schema: z.string() },
            "application/x-subrip": { schema: z.string() },
          },
        },
        ...errorResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const { id, lang } = c.req.valid("param");
      const { origin, format } = c.req.valid("query");
      const result = await c.var.services.subtitles.read(id, lang, origin, c.get("viewer"));
      if (format === "json") return c.json(result, 200);
      const body = format === "vtt" ? toWebVtt(result.cues) : toSrt(result.cues);
      return c.body(body, 200, {
        "content-type": FILE_TYPES[format],
        "content-disposition": `inline; filename="${result.track.lang ?? "und"}.${format}"`,
      });
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/videos/{id}/subtitles/{lang}",
      tags,
      summary: "Delete a track and its cues (owner or admin)",
      description: `The farm republishes the video's subtitles without it. ${langNote}`,
      security: bearer,
      request: { params: SubtitlePathParams, query: OriginQuery },
      responses: { 204: { description: "Deleted" }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const viewer = requireViewer(c);
      const { id, lang } = c.req.valid("param");
      await c.var.services.subtitles.remove(id, lang, c.req.valid("query").origin, viewer);
      purgePublic(c, `/api/v1/videos/${id}`);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/videos/{id}/subtitles/{lang}/cues",
      tags,
      summary: "Change, add or remove cues of a ready track (owner or admin)",
      description:
        "`changes` and `remove` name cues by their current `index`; times must keep `endMs` after " +
        "`startMs` and within the video; text is normalised to WebVTT cue text. The track comes back " +
        "re-indexed in time order. 409 when the track changed since it was read (retry) or is not ready; " +
        "413 `too_many_cues` when the result would hold more than SUBTITLE_MAX_CUES cues. " +
        langNote,
      security: bearer,
      request: { params: SubtitlePathParams, query: OriginQuery, body: json(CueEditsBody) },
      responses: {
        200: ok("The track and all its cues", SubtitleCuesSchema),
        ...errorResponses(400, 401, 403, 404, 409, 413, 415),
      },
    }),
    async (c) => {
      const viewer = requireViewer(c);
      const { id, lang } = c.req.valid("param");
      const service = c.var.services.subtitles;
      const result = await service.editCues(
        id,
        lang,
        c.req.valid("query").origin,
        viewer,
        c.req.valid("json"),
      );
      purgePublic(c, `/api/v1/videos/${id}`);
      return c.json(result, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/videos/{id}/subtitles/{lang}/translations",
      tags,
      summary: "Machine-translate the language's track into other languages (owner or admin)",
      description:
        "Queues one translation per target from the best ready track of `:lang` (uploaded over embedded " +
        "over machine); each target appears as a `machine` track, pending until translated. 409 " +
        "`translation_unavailable` when translation is not configured (see /api/v1/capabilities); 409 " +
        "`video_not_ready` before the video's upload is processing; 409 `too_many_tracks` when the new " +
        "targets would take the video past SUBTITLE_MAX_TRACKS; 429 `quota_exceeded` when the owner's " +
        "month of machine translation (TRANSLATE_MONTHLY_CHARS characters) would be passed.",
      security: bearer,
      request: { params: SubtitlePathParams, body: json(TranslationsBody) },
      responses: {
        202: ok("Queued", TranslationsResponse),
        ...errorResponses(400, 401, 403, 404, 409, 413, 415, 429),
      },
    }),
    async (c) => {
      const viewer = requireViewer(c);
      const { id, lang } = c.req.valid("param");
      const result = await c.var.services.subtitles.translate(id, lang, viewer, c.req.valid("json").to);
      purgePublic(c, `/api/v1/videos/${id}`);
      return c.json(result, 202);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/v1/videos/{id}/captions",
      tags,
      summary: "Generate the video's captions from its speech (owner or admin)",
      description:
        "Queues a transcription (Amazon Transcribe) even when the video has subtitles or opted out of " +
        "automatic captions; the video's `auto` track shows as pending until it is done (a ready one stays " +
        "ready until replaced). 409 `captions_unavailable` when captions are off (see /api/v1/capabilities); " +
        "409 `video_not_ready` before the upload is processing; 409 `captions_reviewed` when the auto track " +
        "was edited (an edit is never overwritten: delete the track first); 409 `video_too_long` past " +
        "TRANSCRIBE_MAX_DURATION_S; 429 `quota_exceeded` past the owner's TRANSCRIBE_MONTHLY_MINUTES; 409 " +
        "`too_many_tracks` when the video has no room for the track.",
      security: bearer,
      request: { params: IdParam },
      responses: {
        202: ok("Queued", CaptionsQueuedSchema),
        ...errorResponses(400, 401, 403, 404, 409, 429),
      },
    }),
    async (c) => {
      const viewer = requireViewer(c);
      const { id } = c.req.valid("param");
      const result = await c.var.services.subtitles.generateCaptions(id, viewer);
      purgePublic(c, `/api/v1/videos/${id}`);
      return c.json(result, 202);
    },
  );
