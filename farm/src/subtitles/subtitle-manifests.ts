/**
 * Declares subtitle tracks in the manifests ffmpeg wrote (its dash muxer writes no text
 * tracks, and its HLS master has no subtitle group). Pure string work on our own ffmpeg's
 * output, so it is tested against that output.
 *
 * DASH: one `AdaptationSet contentType="text" mimeType="text/vtt" lang="…"` per track, with
 * a Role (subtitle | caption; plus `main` for the default track, which players select), a
 * Label, and the WebVTT file as the Representation's BaseURL (a sidecar file: no segments).
 * HLS: one `EXT-X-MEDIA:TYPE=SUBTITLES` per track in group "subs", each pointing at a media
 * playlist holding the one WebVTT file, and `SUBTITLES="subs",CLOSED-CAPTIONS=NONE` on every
 * variant.
 */

export interface ManifestTrack {
  /** BCP 47, or null when unknown (declared as `und`). */
  lang: string | null;
  label: string;
  kind: "subtitles" | "captions";
  isDefault: boolean;
  isForced: boolean;
  /** File names in the same directory as the manifest. */
  vtt: string;
  playlist: string;
}

const xml = (value: string) =>
  value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const quoted = (value: string) => value.replace(/["\r\n]/g, "'");

export function withDashSubtitles(mpd: string, tracks: ManifestTrack[]): string {
  if (tracks.length === 0) return mpd;
  const sets = tracks.map((track, i) => {
    const roles = [track.kind === "captions" ? "caption" : "subtitle", ...(track.isDefault ? ["main"] : [])];
    return [
      `\t\t<AdaptationSet id="${100 + i}" contentType="text" mimeType="text/vtt" lang="${xml(track.lang ?? "und")}">`,
      ...roles.map((role) => `\t\t\t<Role schemeIdUri="urn:mpeg:dash:role:2011" value="${role}" />`),
      ...(track.isForced
        ? ['\t\t\t<Role schemeIdUri="urn:mpeg:dash:role:2011" value="forced-subtitle" />']
        : []),
      `\t\t\t<Label>${xml(track.label)}</Label>`,
      `\t\t\t<Representation id="text-${i}" bandwidth="256">`,
      `\t\t\t\t<BaseURL>${xml(track.vtt)}</BaseURL>`,
      "\t\t\t</Representation>",
      "\t\t</AdaptationSet>",
    ].join("\n");
  });
  const end = mpd.lastIndexOf("</Period>");
  if (end < 0) throw new Error("the DASH manifest has no Period");
  return `${mpd.slice(0, end)}${sets.join("\n")}\n\t${mpd.slice(end)}`;
}

export function withHlsSubtitles(master: string, tracks: ManifestTrack[]): string {
  if (tracks.length === 0) return master;
  const media = tracks.map(
    (track) =>
      `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="${quoted(track.label)}",LANGUAGE="${quoted(track.lang ?? "und")}",` +
      `DEFAULT=${track.isDefault ? "YES" : "NO"},AUTOSELECT=YES,FORCED=${track.isForced ? "YES" : "NO"},URI="${quoted(track.playlist)}"`,
  );
  const lines = master.split("\n");
  // After the header tags and any other rendition groups, before the first variant.
  const firstVariant = lines.findIndex((line) => line.startsWith("#EXT-X-STREAM-INF:"));
  if (firstVariant < 0) throw new Error("the HLS master playlist has no variant");
  const out = [
    ...lines.slice(0, firstVariant),
    ...media,
    ...lines
      .slice(firstVariant)
      .map((line) =>
        line.startsWith("#EXT-X-STREAM-INF:") ? `${line},SUBTITLES="subs",CLOSED-CAPTIONS=NONE` : line,
      ),
  ];
  return out.join("\n");
}

/** An HLS media playlist holding one whole-video WebVTT file. */
export function subtitleMediaPlaylist(vtt: string, durationMs: number): string {
  const seconds = Math.max(durationMs, 1) / 1000;
  return [
    "#EXTM3U",
    "#EXT-X-VERSION:7",
    `#EXT-X-TARGETDURATION:${Math.ceil(seconds)}`,
    "#EXT-X-MEDIA-SEQUENCE:0",
    "#EXT-X-PLAYLIST-TYPE:VOD",
    `#EXTINF:${seconds.toFixed(3)},`,
    vtt,
    "#EXT-X-ENDLIST",
    "",
  ].join("\n");
}
