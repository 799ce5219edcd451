/**
 * Renders a video's published subtitle set for one version: a WebVTT file and an HLS media
 * playlist per ready track, and both manifests with the tracks declared. Pure: the caller
 * reads the base manifests (as ffmpeg wrote them) and stores what comes back. Every render
 * names its files with a fresh attempt token (published-names.ts), so two renders of one
 * version never share a file.
 */
import { randomUUID } from "node:crypto";
import type { PublishedSubtitle } from "../../../shared/db/schema.ts";
import type { Cue } from "../../../shared/subtitles/cue.ts";
import {
  dashManifest,
  hlsMaster,
  subtitleFile,
  subtitlePlaylist,
} from "../../../shared/subtitles/published-names.ts";
import { toWebVtt } from "../../../shared/subtitles/to-webvtt.ts";
import { subtitleMediaPlaylist, withDashSubtitles, withHlsSubtitles } from "./subtitle-manifests.ts";

export interface PublishableTrack {
  id: string;
  language: string | null;
  label: string;
  kind: "subtitles" | "captions";
  origin: "embedded" | "uploaded" | "machine" | "auto";
  isDefault: boolean;
  isForced: boolean;
  cues: Cue[];
}

export interface SubtitleSet {
  version: number;
  /** File name → content, all in the video's media directory. */
  files: Map<string, string>;
  dash: string;
  hls: string;
  /** What the manifests declare, for the video's `media` (the edge signs these files). */
  published: PublishedSubtitle[];
}

export function renderSubtitleSet(input: {
  tracks: PublishableTrack[];
  version: number;
  durationMs: number;
  baseMpd: string;
  baseMaster: string;
  /** Default: a fresh random token. */
  attempt?: string;
}): SubtitleSet {
  const { tracks, version } = input;
  const attempt = input.attempt ?? randomUUID().replace(/-/g, "").slice(0, 10);
  const files = new Map<string, string>();
  const declared = tracks.map((track) => {
    const vtt = subtitleFile(track.id, version, attempt);
    const playlist = subtitlePlaylist(track.id, version, attempt);
    files.set(vtt, toWebVtt(track.cues));
    files.set(playlist, subtitleMediaPlaylist(vtt, input.durationMs));
    return {
      lang: track.language,
      label: track.label,
      kind: track.kind,
      isDefault: track.isDefault,
      isForced: track.isForced,
      vtt,
      playlist,
    };
  });
  const dash = dashManifest(version, attempt);
  const hls = hlsMaster(version, attempt);
  files.set(dash, withDashSubtitles(input.baseMpd, declared));
  files.set(hls, withHlsSubtitles(input.baseMaster, declared));
  const published = tracks.map((track) => ({
    trackId: track.id,
    lang: track.language,
    label: track.label,
    kind: track.kind,
    origin: track.origin,
    isDefault: track.isDefault,
    file: subtitleFile(track.id, version, attempt),
  }));
  return { version, files, dash, hls, published };
}
