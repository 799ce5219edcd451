import { z } from "@hono/zod-openapi";
import { VIDEO_STATUSES, VIDEO_VISIBILITIES } from "../db/schema.ts";
import { storableText } from "./common.ts";
import { PageQuery } from "./page-query.ts";
import { SubtitleTrackSchema } from "./subtitles.ts";

const Language = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "must be a BCP 47 language tag such as en or pt-BR")
  .openapi({ example: "en" });

const Title = storableText(z.string().trim().min(1).max(200));
const Description = storableText(z.string().max(5000));
const Visibility = z.enum(VIDEO_VISIBILITIES);
const TranslateTo = z.array(Language).max(10);
const AutoCaptions = z.boolean().openapi({
  description:
    "Generate captions from the video's speech when it has no subtitles in its language (default true; see GET /api/v1/capabilities)",
});

export const CreateVideoBody = z
  .strictObject({
    title: Title,
    description: Description.optional(),
    visibility: Visibility,
    language: Language.optional(),
    translateTo: TranslateTo.optional(),
    autoCaptions: AutoCaptions.optional(),
  })
  .openapi("CreateVideoRequest");

export const UpdateVideoBody = z
  .strictObject({
    title: Title.optional(),
    description: Description.optional(),
    visibility: Visibility.optional(),
    language: Language.nullable().optional(),
    translateTo: TranslateTo.optional(),
    autoCaptions: AutoCaptions.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, "give at least one field to change")
  .openapi("UpdateVideoRequest");

export const VideoSchema = z
  .object({
    id: z.string(),
    ownerId: z.string(),
    title: z.string(),
    description: z.string(),
    visibility: Visibility,
    language: z.string().nullable(),
    translateTo: z.array(z.string()),
    autoCaptions: z.boolean(),
    status: z.enum(VIDEO_STATUSES),
    progress: z.number().int().min(0).max(100),
    playable: z.boolean().openapi({
      description:
        "Playback works (GET …/playback): true once the first rendition is published, while `status` may still be `processing`",
    }),
    playableAt: z
      .string()
      .nullable()
      .openapi({ format: "date-time", description: "When it became playable" }),
    durationMs: z.number().int().nullable(),
    renditions: z.array(
      z.object({ height: z.number(), width: z.number(), bandwidth: z.number(), codecs: z.string() }),
    ),
    subtitles: z.array(SubtitleTrackSchema).openapi({ description: "Every subtitle track, with its status" }),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    createdAt: z.string().openapi({ format: "date-time" }),
    updatedAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Video");

export const UploadTicketSchema = z
  .object({
    endpoint: z.string().openapi({ example: "http://127.0.0.1:1080/files/" }),
    token: z.string(),
    expiresAt: z.string().openapi({ format: "date-time" }),
    maxBytes: z.number().int(),
  })
  .openapi("UploadTicket");

export const CreateVideoResponse = z.object({ video: VideoSchema, upload: UploadTicketSchema });

/** `GET /api/v1/me/videos`: the page query plus an optional search (same syntax as /api/v1/search). */
export const OwnListQuery = PageQuery.extend({
  q: z
    .string()
    .max(2000)
    .optional()
    .openapi({
      param: { name: "q", in: "query" },
      description:
        "Only your videos whose title, description or subtitles match (search syntax; at most 200 characters)",
    }),
});

export const VideoListSchema = z
  .object({ items: z.array(VideoSchema), nextCursor: z.string().nullable() })
  .openapi("VideoList");

export const PlaybackSchema = z
  .object({
    dash: z.string().openapi({ description: "Signed MPEG-DASH manifest URL on the CDN" }),
    hls: z.string().openapi({ description: "Signed HLS master playlist URL on the CDN" }),
    poster: z.string().nullable(),
    storyboard: z.string().nullable().openapi({ description: "WebVTT track of seek-preview thumbnails" }),
    subtitles: z
      .array(
        z.object({
          lang: z.string().nullable().openapi({ description: "BCP 47; null when unknown" }),
          label: z.string(),
          kind: z.enum(["subtitles", "captions"]),
          origin: z.enum(["embedded", "uploaded", "machine", "auto"]),
          default: z.boolean(),
          url: z.string().openapi({ description: "Signed WebVTT file on the CDN" }),
        }),
      )
      .openapi({ description: "The subtitle tracks the manifests declare, as files" }),
    expiresAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Playback");
