/**
 * Names of the published subtitle set, shared by the farm (which writes them) and the edge
 * (which signs URLs to them). Every publish of a video's subtitles gets a new version, and
 * every file of the set is named by it: manifests and subtitle files are then immutable, so a
 * CDN may cache them for good, and a player asking for playback after a change gets the new
 * manifest names from the edge. Version 0 is the ladder as ffmpeg wrote it (no subtitles).
 * Names also carry the publishing attempt (a random token): two attempts that both render
 * version n write different files, so the one that loses the switch deletes only its own and
 * never a file the winner made live.
 */
export const BASE_DASH_MANIFEST = "manifest.mpd";
export const BASE_HLS_MASTER = "master.m3u8";

const short = (trackId: string) => trackId.replace(/-/g, "").slice(0, 12);

/** `-v<version>` plus `-<attempt>` when there is one (names published before attempts had none). */
const tag = (version: number, attempt?: string) => `-v${version}${attempt ? `-${attempt}` : ""}`;

export const subtitleFile = (trackId: string, version: number, attempt?: string) =>
  `subs-${short(trackId)}${tag(version, attempt)}.vtt`;
export const subtitlePlaylist = (trackId: string, version: number, attempt?: string) =>
  `subs-${short(trackId)}${tag(version, attempt)}.m3u8`;
export const dashManifest = (version: number, attempt?: string) =>
  version === 0 ? BASE_DASH_MANIFEST : `manifest${tag(version, attempt)}.mpd`;
export const hlsMaster = (version: number, attempt?: string) =>
  version === 0 ? BASE_HLS_MASTER : `master${tag(version, attempt)}.m3u8`;

/** Whether a published name belongs to a given subtitle-set version (for removing old ones). */
export function subtitleSetVersion(name: string): number | undefined {
  const match = /^(?:subs-[0-9a-f]+|manifest|master)-v(\d+)(?:-[0-9a-f]+)?\.(?:vtt|m3u8|mpd)$/.exec(name);
  return match ? Number(match[1]) : undefined;
}
