/**
 * The manifests of a video that plays while it is encoded (pure string work, tested against
 * our own ffmpeg's output). ffmpeg's dash muxer lists in each per-stream HLS playlist
 * (`media_N.m3u8`) only segments it has finished; from those lists, restricted to the segments
 * already uploaded, we write:
 *
 * - HLS: one media playlist per stream, `#EXT-X-PLAYLIST-TYPE:EVENT` with
 *   `#EXT-X-START:TIME-OFFSET=0` (players start at 0, not at the encoder's edge), that only
 *   ever grows and ends with `#EXT-X-ENDLIST`; a master naming every rung from the start.
 * - DASH: a dynamic MPD with a `SegmentTimeline` per representation (players never ask for a
 *   segment it does not list), `minimumUpdatePeriod` so they reload it, turned `static` with its
 *   duration at the end — the DASH-IF "live to VoD" transition.
 *
 * Invariant: a later render of the same stream only appends (segments, then the end marker);
 * nothing listed is ever removed or changed.
 */
import { type AudioTrackName, withDashAudioNames, withHlsAudioNames } from "./audio-manifests.ts";

/** Our growing manifests' names: the video row points at these while it is processing. */
export const LIVE_DASH = "live-manifest.mpd";
export const LIVE_HLS = "live-master.m3u8";
export const liveMediaPlaylist = (stream: number) => `live-media_${stream}.m3u8`;
/** ffmpeg's own per-stream playlist (the dash muxer's `-hls_playlist 1`). */
export const ffmpegMediaPlaylist = (stream: number) => `media_${stream}.m3u8`;

export interface StreamSegments {
  /** The stream's init segment (`#EXT-X-MAP`). */
  init: string;
  segments: { uri: string; seconds: number }[];
}

/** The finished segments ffmpeg lists in one of its media playlists, in order. */
export function parseMediaPlaylist(text: string): StreamSegments | undefined {
  const init = /#EXT-X-MAP:URI="([^"]+)"/.exec(text)?.[1];
  if (!init) return undefined;
  const segments: StreamSegments["segments"] = [];
  let seconds: number | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#EXTINF:")) seconds = Number.parseFloat(line.slice("#EXTINF:".length));
    else if (line && !line.startsWith("#") && seconds !== undefined) {
      segments.push({ uri: line, seconds });
      seconds = undefined;
    }
  }
  return { init, segments };
}

/** One stream's growing (or, with `ended`, finished) HLS media playlist. */
export function liveMediaPlaylistText(
  stream: StreamSegments,
  segmentSeconds: number,
  ended: boolean,
): string {
  const kind = ["#EXT-X-PLAYLIST-TYPE:EVENT", "#EXT-X-START:TIME-OFFSET=0", "#EXT-X-MEDIA-SEQUENCE:0"];
  return mediaPlaylistText(stream, segmentSeconds, kind, ended);
}

/**
 * An HLS media playlist of one stream's segments (fMP4, its init as the map): `kind` is the
 * lines that say what sort of playlist it is (EVENT, VOD, where it starts).
 */
export function mediaPlaylistText(
  stream: StreamSegments,
  segmentSeconds: number,
  kind: string[],
  ended: boolean,
): string {
  const target = Math.max(segmentSeconds, ...stream.segments.map((s) => Math.round(s.seconds)));
  const lines = [
    "#EXTM3U",
    "#EXT-X-VERSION:7",
    `#EXT-X-TARGETDURATION:${target}`,
    ...kind,
    "#EXT-X-INDEPENDENT-SEGMENTS",
    `#EXT-X-MAP:URI="${stream.init}"`,
  ];
  for (const segment of stream.segments) lines.push(`#EXTINF:${segment.seconds.toFixed(6)},`, segment.uri);
  if (ended) lines.push("#EXT-X-ENDLIST");
  return `${lines.join("\n")}\n`;
}

/** ffmpeg's master playlist pointing at our growing media playlists, audio tracks named. */
export function liveMasterText(ffmpegMaster: string, audio: AudioTrackName[]): string {
  const named = audio.length > 0 ? withHlsAudioNames(ffmpegMaster, audio) : ffmpegMaster;
  return named.replace(/\bmedia_(\d+)\.m3u8\b/g, (_, n: string) => liveMediaPlaylist(Number(n)));
}

export interface LiveMpdInput {
  /** ffmpeg's manifest.mpd as it is now (its representations; its timing is replaced). */
  ffmpegMpd: string;
  /** The segments published so far, by representation id (= ffmpeg's stream index). */
  streams: Map<string, StreamSegments>;
  /** When the growing presentation starts (ISO), the same in every update. */
  availabilityStartTime: string;
  publishTime: string;
  audio: AudioTrackName[];
  /** true: the last update, a static MPD of the whole video. */
  ended: boolean;
  segmentSeconds: number;
}

/**
 * A dynamic MPD with a SegmentTimeline listing only the published segments of each
 * representation; `ended`, the same timeline as a static MPD with its duration.
 */
export function liveMpdText(input: LiveMpdInput): string {
  const timescale = 1000;
  let longest = 0;
  let mpd = input.ffmpegMpd.replace(
    /(<Representation\b[^>]*\bid="([^"]+)"[^>]*>[\s\S]*?)<SegmentTemplate\b([^>]*?)\s*(?:\/>|>[\s\S]*?<\/SegmentTemplate>)/g,
    (_whole, head: string, id: string, attrs: string) => {
      const stream = input.streams.get(id);
      const kept = attrs
        .replace(/\s(?:timescale|duration|startNumber|presentationTimeOffset)="[^"]*"/g, "")
        .trim();
      let t = 0;
      const entries: string[] = [];
      for (const segment of stream?.segments ?? []) {
        const d = Math.round(segment.seconds * timescale);
        entries.push(`<S t="${t}" d="${d}" />`);
        t += d;
      }
      longest = Math.max(longest, t);
      const indent = /\n([ \t]*)$/.exec(head)?.[1] ?? "\t\t\t\t";
      return [
        `${head}<SegmentTemplate timescale="${timescale}" startNumber="1" ${kept}>`,
        `${indent}\t<SegmentTimeline>${entries.join("")}</SegmentTimeline>`,
        `${indent}</SegmentTemplate>`,
      ].join("\n");
    },
  );
  const timing = input.ended
    ? `type="static" mediaPresentationDuration="${isoSeconds(longest / timescale)}"`
    : `type="dynamic" minimumUpdatePeriod="PT${input.segmentSeconds}S" suggestedPresentationDelay="PT${input.segmentSeconds * 2}S"`;
  mpd = mpd.replace(/<MPD\b([^>]*)>/, (_whole, attrs: string) => {
    const rest = attrs
      .replace(
        /\s(?:type|mediaPresentationDuration|minimumUpdatePeriod|availabilityStartTime|publishTime|timeShiftBufferDepth|suggestedPresentationDelay)="[^"]*"/g,
        "",
      )
      .replace(/\s+$/, "");
    return `<MPD${rest}\n\t${timing}\n\tavailabilityStartTime="${input.availabilityStartTime}"\n\tpublishTime="${input.publishTime}">`;
  });
  // The server's clock, in the MPD itself (stored no-store, so never stale): players sync to it
  // without asking a time server (dash.js's default is on the internet).
  if (!input.ended) {
    mpd = mpd.replace(
      /<\/MPD>\s*$/,
      `\t<UTCTiming schemeIdUri="urn:mpeg:dash:utc:direct:2014" value="${input.publishTime}" />\n</MPD>\n`,
    );
  }
  return input.audio.length > 0 ? withDashAudioNames(mpd, input.audio) : mpd;
}

const isoSeconds = (seconds: number) => `PT${seconds.toFixed(3)}S`;

export interface LiveManifestsInput {
  /** ffmpeg's master playlist and MPD: the renditions, their codecs and names. */
  ffmpegMaster: string;
  ffmpegMpd: string;
  /** Each stream's segments published so far, in ffmpeg's stream order (its representation ids). */
  streams: StreamSegments[];
  audio: AudioTrackName[];
  availabilityStartTime: string;
  ended: boolean;
  segmentSeconds: number;
}

/**
 * One update of every growing manifest: the media playlists, to be stored first (the master
 * never names a playlist that is not there yet), then the master and the MPD.
 */
export function liveManifestFiles(input: LiveManifestsInput): {
  playlists: Map<string, string>;
  top: Map<string, string>;
} {
  const playlists = new Map<string, string>();
  input.streams.forEach((stream, i) => {
    playlists.set(liveMediaPlaylist(i), liveMediaPlaylistText(stream, input.segmentSeconds, input.ended));
  });
  const top = new Map<string, string>();
  top.set(LIVE_HLS, liveMasterText(input.ffmpegMaster, input.audio));
  top.set(
    LIVE_DASH,
    liveMpdText({
      ffmpegMpd: input.ffmpegMpd,
      streams: new Map(input.streams.map((stream, i) => [String(i), stream])),
      availabilityStartTime: input.availabilityStartTime,
      publishTime: new Date().toISOString(),
      audio: input.audio,
      ended: input.ended,
      segmentSeconds: input.segmentSeconds,
    }),
  );
  return { playlists, top };
}
