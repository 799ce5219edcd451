/**
 * The names of a video's published files under its media prefix, in one place: what the
 * encoders write, what the publish uploads and points the video row at, and what players
 * fetch. The base manifests are the subtitle set's version 0 (shared/subtitles/published-names.ts,
 * which the edge signs URLs to); the first playable's files carry FIRST_PREFIX and manifests
 * of their own until the whole ladder is published.
 */
import { BASE_DASH_MANIFEST, BASE_HLS_MASTER } from "../../../shared/subtitles/published-names.ts";

/** The ladder's manifests as ffmpeg writes them (no subtitles yet). */
export const DASH_MANIFEST = BASE_DASH_MANIFEST;
export const HLS_MASTER = BASE_HLS_MASTER;

/** Files of the first playable rendition (smallest rung and audio) start with this. */
export const FIRST_PREFIX = "first-";
/** The first run's own manifests: what plays until the whole ladder is published. */
export const FIRST_DASH = "manifest-first.mpd";
export const FIRST_HLS = "master-first.m3u8";

export const POSTER = "poster.jpg";
export const STORYBOARD_VTT = "storyboard.vtt";
