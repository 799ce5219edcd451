/**
 * Embedded subtitle streams → tracks. Text streams (SubRip, ASS/SSA, mov_text, WebVTT, plain
 * text) are converted by ffmpeg to WebVTT — its encoder turns ASS italic/bold overrides into
 * <i>/<b>, `\N` into line breaks and drops other styling — then parsed and normalised like an
 * uploaded file. Bitmap streams (DVD, PGS, DVB) cannot become text: they are listed as
 * `unsupported` with the reason. A stream that fails fails only its own track; nothing here
 * ever fails the video, and each stream has a time budget so none can stall the transcode.
 *
 * A stream is read up to a size (SUBTITLE_STREAM_MAX_BYTES, ffmpeg stops writing just past
 * it); a larger one is `unsupported` too. Parsing runs in a worker thread (parse-off-thread.ts):
 * whatever a stream holds, the farm's event loop is never blocked by it.
 *
 * The source is a local file or (`access: "source-over-http"`) the transcode's loopback range
 * server: then ffmpeg streams the upload from the bucket and nothing but the WebVTT is written
 * here. Without a text stream nothing is read at all; with several, one pass over the source
 * gathers them all as WebVTT into a small local Matroska file (bounded by -fs at their summed
 * limits), and each stream is then taken from it — the source is read once, not per stream.
 * If that pass fails or reaches its bound, each stream is read from the source on its own,
 * so a broken or oversized stream still fails only its own track.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { Cue } from "../../../shared/subtitles/cue.ts";
import { languageFromTag, languageLabel } from "../../../shared/subtitles/languages.ts";
import type { Ffmpeg, InputAccess } from "../media/ffmpeg.ts";
import type { SourceInfo, SubtitleStream } from "../media/inspect.ts";
import { parseSubtitlesOffThread } from "./parse-off-thread.ts";
import type { EmbeddedTrack } from "./subtitle-store.ts";

const TEXT_CODECS = new Set(["subrip", "srt", "ass", "ssa", "mov_text", "webvtt", "text"]);
const BITMAP_CODECS = new Set(["dvd_subtitle", "hdmv_pgs_subtitle", "dvb_subtitle", "xsub", "dvb_teletext"]);
const STREAM_BUDGET_MS = 60_000;
/** Over HTTP a stream's read takes the whole source's transfer: the budget grows by 1 s per 25 MiB. */
const SOURCE_BYTES_PER_MS = (25 * 1024 * 1024) / 1000;
/** The default of SUBTITLE_STREAM_MAX_BYTES (shared/config/farm-config.ts). */
export const SUBTITLE_STREAM_MAX_BYTES = 4 * 1024 * 1024;

const mib = (bytes: number) => `${Math.round((bytes / 1024 ** 2) * 10) / 10} MiB`;

export async function extractSubtitles(
  ffmpeg: Ffmpeg,
  source: string,
  info: Pick<SourceInfo, "subtitleStreams" | "videoStartMs">,
  workDir: string,
  signal?: AbortSignal,
  maxStreamBytes = SUBTITLE_STREAM_MAX_BYTES,
  /** How the source is opened; `sourceBytes` (its size) stretches each stream's time budget. */
  over: { access?: InputAccess; sourceBytes?: number } = {},
): Promise<EmbeddedTrack[]> {
  const budgetMs = STREAM_BUDGET_MS + Math.ceil((over.sourceBytes ?? 0) / SOURCE_BYTES_PER_MS);
  const text = info.subtitleStreams.filter((s) => TEXT_CODECS.has(s.codec) && !BITMAP_CODECS.has(s.codec));
  const gathered =
    text.length > 1
      ? await gatherTextStreams(ffmpeg, source, text, workDir, { signal, maxStreamBytes, budgetMs, over })
      : undefined;
  const tracks: EmbeddedTrack[] = [];
  // The published video starts at 0 where the source's video stream started.
  const toVideoTime = (cue: Cue): Cue => ({
    ...cue,
    startMs: Math.max(0, cue.startMs - info.videoStartMs),
    endMs: Math.max(0, cue.endMs - info.videoStartMs),
  });
  for (const stream of info.subtitleStreams) {
    const language = languageFromTag(stream.languageTag);
    const base = {
      streamIndex: stream.index,
      codec: stream.codec,
      language,
      label: stream.title?.trim() || (language ? languageLabel(language) : "Unknown language"),
      isDefault: stream.isDefault,
      isForced: stream.isForced,
      cues: [],
    };
    if (BITMAP_CODECS.has(stream.codec) || !TEXT_CODECS.has(stream.codec)) {
      tracks.push({
        ...base,
        status: "unsupported",
        errorCode: "subtitle_bitmap",
        errorMessage: BITMAP_CODECS.has(stream.codec)
          ? `Picture-based subtitles (${stream.codec}) cannot be turned into text; upload a .srt or .vtt file instead.`
          : `Subtitles in the ${stream.codec} format are not supported; upload a .srt or .vtt file instead.`,
      });
      continue;
    }
    try {
      const out = path.join(workDir, `subtitle-${stream.index}.vtt`);
      const local = gathered?.get(stream.index);
      const budget = AbortSignal.timeout(local ? STREAM_BUDGET_MS : budgetMs);
      const stop = signal ? AbortSignal.any([signal, budget]) : budget;
      await ffmpeg.run({
        inputs: [local ? { path: local.file } : { path: source, access: over.access ?? "source" }],
        // -fs: ffmpeg stops once the file passes the limit, so no more than that is written.
        outputOptions: [
          "-map",
          local ? `0:${local.index}` : `0:${stream.index}`,
          "-c:s",
          local ? "copy" : "webvtt",
          "-f",
          "webvtt",
          "-fs",
          String(maxStreamBytes + 1),
        ],
        output: out,
        signal: stop,
      });
      if ((await stat(out)).size > maxStreamBytes) {
        tracks.push({
          ...base,
          status: "unsupported",
          errorCode: "subtitle_stream_too_large",
          errorMessage: `This subtitle stream is larger than ${mib(maxStreamBytes)} as WebVTT (SUBTITLE_STREAM_MAX_BYTES), so it was not read; upload it as a .srt or .vtt file instead.`,
        });
        continue;
      }
      const cues = await parseSubtitlesOffThread(new Uint8Array(await readFile(out)), stop);
      tracks.push({
        ...base,
        status: "ready",
        cues: cues.map(toVideoTime).filter((cue) => cue.endMs > cue.startMs),
      });
    } catch (err) {
      signal?.throwIfAborted(); // the job stopping is not the stream's fault
      tracks.push({
        ...base,
        status: "failed",
        errorCode: "subtitle_extract_failed",
        errorMessage: `This subtitle stream could not be read: ${(err as Error).message.split("\n")[0]}`,
      });
    }
  }
  return tracks;
}

/**
 * Every text stream converted to WebVTT in one read of the source, into one local Matroska
 * file: source stream index → that file and the stream's index in it. Undefined when the pass
 * failed (a broken stream) or reached its bound (a stream past its limit): the caller then
 * reads each stream from the source alone.
 */
async function gatherTextStreams(
  ffmpeg: Ffmpeg,
  source: string,
  streams: SubtitleStream[],
  workDir: string,
  options: {
    signal: AbortSignal | undefined;
    maxStreamBytes: number;
    budgetMs: number;
    over: { access?: InputAccess };
  },
): Promise<Map<number, { file: string; index: number }> | undefined> {
  const file = path.join(workDir, "subtitles.mkv");
  const bound = streams.length * options.maxStreamBytes + 64 * 1024;
  const budget = AbortSignal.timeout(options.budgetMs);
  try {
    await ffmpeg.run({
      inputs: [{ path: source, access: options.over.access ?? "source" }],
      outputOptions: [
        ...streams.flatMap((s) => ["-map", `0:${s.index}`]),
        // Any decode error stops the pass (ffmpeg alone would carry on, the other streams
        // outweighing it): the streams are then read one by one, the broken one failing alone.
        "-xerror",
        "-c:s",
        "webvtt",
        "-f",
        "matroska",
        "-fs",
        String(bound),
      ],
      output: file,
      signal: options.signal ? AbortSignal.any([options.signal, budget]) : budget,
    });
    if ((await stat(file)).size >= bound) return undefined;
  } catch {
    options.signal?.throwIfAborted(); // the job stopping is not the streams' fault
    return undefined;
  }
  return new Map(streams.map((s, index) => [s.index, { file, index }]));
}
