/**
 * The manifests of a chunked run, written without touching a segment (pure string work on
 * our own ffmpeg's output, tested against it): the chunk jobs published every segment to its
 * final key (chunk-segments.ts) and recorded each stream's list; the dash muxer's manifests of
 * a part's first chunk are the templates. Segments of a rung all last one segment length (the
 * last one less) on a constant-rate timeline, so the MPD's SegmentTemplate with `duration`
 * stays as ffmpeg wrote it and only the presentation's duration changes to the whole
 * video's; each HLS media playlist lists every segment with its own duration.
 */
import type { ChunkStream } from "./chunk-segments.ts";
import { mediaPlaylistText, type StreamSegments } from "./growing-manifests.ts";

/** The streams of every chunk of a part (in timeline order), joined per stream. */
export function joinChunkStreams(chunks: { streams: ChunkStream[] }[]): StreamSegments[] {
  const first = chunks[0];
  if (!first) throw new Error("a chunked run has no chunks");
  return first.streams.map((stream, i) => {
    const segments: StreamSegments["segments"] = [];
    chunks.forEach((chunk, index) => {
      const own = chunk.streams[i];
      // A part with no segments (an audio piece past the end of the source's audio) adds none.
      if (own && own.segments.length === 0) return;
      if (!own || own.init !== stream.init || own.initSha256 !== stream.initSha256) {
        throw new Error(
          `chunk ${index}'s stream ${i} was not encoded as chunk 0's (its init segment differs)`,
        );
      }
      segments.push(...own.segments);
    });
    const numbers = segments.map((s) => Number(/-(\d+)\.m4s$/.exec(s.uri)?.[1]));
    numbers.forEach((n, at) => {
      if (n !== at + 1)
        throw new Error(`stream ${i}'s segment ${at + 1} is numbered ${n}: the timeline has a gap`);
    });
    return { init: stream.init, segments };
  });
}

/** A finished HLS media playlist of one stream (VOD). */
export function vodMediaPlaylistText(stream: StreamSegments, segmentSeconds: number): string {
  return mediaPlaylistText(
    stream,
    segmentSeconds,
    ["#EXT-X-MEDIA-SEQUENCE:1", "#EXT-X-PLAYLIST-TYPE:VOD"],
    true,
  );
}

/** The seconds a stream's segments add up to. */
export const streamSeconds = (stream: StreamSegments) =>
  stream.segments.reduce((sum, segment) => sum + segment.seconds, 0);

/** ffmpeg's MPD with the whole presentation's duration (its template's segment count follows from it). */
export function withPresentationDuration(mpd: string, seconds: number): string {
  const duration = `mediaPresentationDuration="PT${seconds.toFixed(3)}S"`;
  if (!/\bmediaPresentationDuration="[^"]*"/.test(mpd))
    throw new Error("the MPD has no mediaPresentationDuration");
  return mpd.replace(/\bmediaPresentationDuration="[^"]*"/, duration);
}
