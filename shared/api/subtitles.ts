/**
 * Subtitle API contracts: the track and cue shapes, path/query parameters and bodies of the
 * subtitle routes, and capabilities. The same zod schemas validate requests and generate
 * /openapi.json; response types are inferred from them.
 */
import { z } from "@hono/zod-openapi";
import { SUBTITLE_KINDS, SUBTITLE_ORIGINS, SUBTITLE_STATUSES } from "../db/schema.ts";
import { MAX_CUE_MS } from "../subtitles/timing-line.ts";
import { storableText, UUID_PATTERN } from "./common.ts";

const Kind = z.enum(SUBTITLE_KINDS);
const Origin = z.enum(SUBTITLE_ORIGINS);

export const SubtitleTrackSchema = z
  .object({
    id: z.string(),
    lang: z
      .string()
      .nullable()
      .openapi({ description: "BCP 47 (`en`, `pt-BR`); null when unknown", example: "en" }),
    label: z.string().openapi({ example: "English" }),
    kind: Kind,
    origin: Origin.openapi({
      description:
        "`embedded` in the upload, `uploaded` as a file, `machine` translated, `auto` generated from speech",
    }),
    status: z.enum([...SUBTITLE_STATUSES, "publishing"]).openapi({
      description:
        "`publishing`: the track is stored and ready, but the video's published manifests do not " +
        "list it yet (its re-publish is under way); `ready` once playback lists it",
    }),
    error: z
      .object({ code: z.string(), message: z.string() })
      .optional()
      .openapi({ description: "Why the track is failed or unsupported" }),
    isDefault: z.boolean(),
    isForced: z.boolean(),
    cueCount: z.number().int(),
    sourceTrackId: z
      .string()
      .optional()
      .openapi({ description: "The track a machine translation was made from" }),
    reviewed: z.boolean().optional().openapi({
      description: "Auto tracks: a person edited it, so a later transcription never overwrites it",
    }),
  })
  .openapi("SubtitleTrack");

export const SubtitleTrackListSchema = z
  .object({ items: z.array(SubtitleTrackSchema) })
  .openapi("SubtitleTrackList");

const Ms = z.number().int().min(0).max(MAX_CUE_MS);
const CueText = storableText(z.string().max(2000));

export const CueSchema = z
  .object({
    index: z.number().int().openapi({ description: "Position in time order, from 0; what edits refer to" }),
    startMs: z.number().int(),
    endMs: z.number().int(),
    text: z
      .string()
      .openapi({ description: "WebVTT cue text: `<i>`, `<b>`, `<u>`, line breaks; HTML-escaped" }),
  })
  .openapi("Cue");

export const SubtitleCuesSchema = z
  .object({ track: SubtitleTrackSchema, cues: z.array(CueSchema) })
  .openapi("SubtitleCues");

/**
 * `:lang` in a path: a BCP 47 tag as typed (`pt-BR`, `pt_br`, `eng`); it is canonicalised,
 * and `und` names a track whose language is unknown (reads and deletes only).
 */
export const SubtitlePathParams = z.object({
  id: z
    .string()
    .regex(UUID_PATTERN)
    .openapi({ param: { name: "id", in: "path" }, example: "0b9f3a52-3c9a-4f7e-9c55-3b8a9b3f0e11" }),
  lang: z
    .string()
    .max(35)
    .regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$/, "must be a BCP 47 language tag such as en or pt-BR")
    .openapi({ param: { name: "lang", in: "path" }, example: "en" }),
});

const originParam = Origin.optional().openapi({
  param: { name: "origin", in: "query" },
  description: "Which track of the language; default uploaded, then machine, then embedded",
});

export const PutSubtitleQuery = z.object({
  label: storableText(z.string().trim().min(1).max(100))
    .optional()
    .openapi({ param: { name: "label", in: "query" }, description: "Default: the language's own name" }),
  kind: Kind.optional().openapi({ param: { name: "kind", in: "query" } }),
});

export const GetSubtitleQuery = z.object({
  origin: originParam,
  format: z
    .enum(["json", "vtt", "srt"])
    .default("json")
    .openapi({
      param: { name: "format", in: "query" },
      description: "`vtt` or `srt`: the file itself (UTF-8)",
    }),
});

export const OriginQuery = z.object({ origin: originParam });

export const CueEditsBody = z
  .strictObject({
    changes: z
      .array(
        z.strictObject({
          index: z.number().int().min(0),
          startMs: Ms.optional(),
          endMs: Ms.optional(),
          text: CueText.optional(),
        }),
      )
      .max(1000)
      .default([]),
    add: z
      .array(z.strictObject({ startMs: Ms, endMs: Ms, text: CueText }))
      .max(1000)
      .default([]),
    remove: z.array(z.number().int().min(0)).max(10_000).default([]),
  })
  .refine(
    (b) => b.changes.length + b.add.length + b.remove.length > 0,
    "give at least one change, addition or removal",
  )
  .openapi("CueEdits");

const Language = z
  .string()
  .max(35)
  .regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$/, "must be a BCP 47 language tag such as en or pt-BR")
  .openapi({ example: "fr" });

export const TranslationsBody = z
  .strictObject({ to: z.array(Language).min(1).max(20) })
  .openapi("TranslationRequest");

export const TranslationsResponse = z
  .object({
    source: SubtitleTrackSchema,
    queued: z
      .array(z.string())
      .openapi({ description: "Target languages (canonical BCP 47) with a translation queued" }),
    tracks: z
      .array(SubtitleTrackSchema)
      .openapi({ description: "The machine tracks, pending until translated" }),
  })
  .openapi("TranslationsQueued");

export const CaptionsQueuedSchema = z
  .object({
    queued: z.boolean().openapi({
      description: "false when a transcription of the video is already queued or running (it goes on)",
    }),
    track: SubtitleTrackSchema.openapi({ description: "The video's `auto` track, pending until generated" }),
  })
  .openapi("CaptionsQueued");

export const CapabilitiesSchema = z
  .object({
    translation: z.object({ enabled: z.boolean() }),
    /** Automatic captions from speech: on or off, the languages recognised, the limits. */
    captions: z.object({
      enabled: z.boolean(),
      languages: z.array(z.string()),
      maxDurationS: z.number().int(),
      monthlyMinutes: z.number().int(),
    }),
    subtitles: z.object({ maxBytes: z.number().int(), formats: z.array(z.enum(["vtt", "srt"])) }),
  })
  .openapi("Capabilities");

export type SubtitleTrack = z.output<typeof SubtitleTrackSchema>;
export type CueEdits = z.output<typeof CueEditsBody>;
