/**
 * Names the audio tracks in the manifests ffmpeg wrote, so players can offer them: its dash
 * muxer gives each audio AdaptationSet only `lang`, and its HLS master names them
 * "audio_1", "audio_2" with no LANGUAGE. Pure string work on our own ffmpeg's output (tested
 * against it), in the same order the encode mapped the tracks (the default one first).
 *
 * DASH: `Role main` on the default track and `alternate` on the others, a `Label`, and
 * `lang="und"` where the language is unknown. HLS: NAME, LANGUAGE, DEFAULT and AUTOSELECT on
 * each `EXT-X-MEDIA:TYPE=AUDIO`.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { languageFromTag, languageLabel } from "../../../shared/subtitles/languages.ts";
import type { AudioStream } from "./inspect.ts";
import { DASH_MANIFEST, HLS_MASTER } from "./published-names.ts";

export interface AudioTrackName {
  /** BCP 47, or null when unknown. */
  lang: string | null;
  label: string;
  isDefault: boolean;
}

const xml = (value: string) =>
  value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const quoted = (value: string) => value.replace(/["\r\n,]/g, " ").trim();

/** What each track is called: its title, else its language, else "Audio N". */
export function audioTrackNames(streams: AudioStream[]): AudioTrackName[] {
  return streams.map((stream, i) => {
    const lang = languageFromTag(stream.languageTag);
    const title = stream.title?.trim();
    return {
      lang,
      label: title || (lang ? languageLabel(lang) : `Audio ${i + 1}`),
      isDefault: stream.isDefault,
    };
  });
}

export function withDashAudioNames(mpd: string, tracks: AudioTrackName[]): string {
  let index = 0;
  return mpd.replace(
    /([ \t]*)<AdaptationSet ([^>]*contentType="audio"[^>]*)>/g,
    (whole, indent: string, attrs: string) => {
      const track = tracks[index++];
      if (!track) return whole;
      const withLang = /\blang="/.test(attrs)
        ? attrs.replace(/\blang="[^"]*"/, `lang="${xml(track.lang ?? "und")}"`)
        : `${attrs} lang="${xml(track.lang ?? "und")}"`;
      const inner = `${indent}\t`;
      return [
        `${indent}<AdaptationSet ${withLang}>`,
        `${inner}<Role schemeIdUri="urn:mpeg:dash:role:2011" value="${track.isDefault ? "main" : "alternate"}" />`,
        `${inner}<Label>${xml(track.label)}</Label>`,
      ].join("\n");
    },
  );
}

export function withHlsAudioNames(master: string, tracks: AudioTrackName[]): string {
  let index = 0;
  return master
    .split("\n")
    .map((line) => {
      if (!line.startsWith("#EXT-X-MEDIA:TYPE=AUDIO,")) return line;
      const track = tracks[index++];
      if (!track) return line;
      const uri = /URI="[^"]*"/.exec(line)?.[0];
      const group = /GROUP-ID="[^"]*"/.exec(line)?.[0];
      const channels = /CHANNELS="[^"]*"/.exec(line)?.[0];
      return [
        "#EXT-X-MEDIA:TYPE=AUDIO",
        group,
        `NAME="${quoted(track.label)}"`,
        `LANGUAGE="${quoted(track.lang ?? "und")}"`,
        `DEFAULT=${track.isDefault ? "YES" : "NO"}`,
        "AUTOSELECT=YES",
        channels,
        uri,
      ]
        .filter(Boolean)
        .join(",");
    })
    .join("\n");
}

/** Names the audio tracks in both manifests the encode wrote into `outDir`, in place. */
export async function nameAudioTracks(outDir: string, streams: AudioStream[]): Promise<void> {
  if (streams.length === 0) return;
  const names = audioTrackNames(streams);
  const mpd = path.join(outDir, DASH_MANIFEST);
  const master = path.join(outDir, HLS_MASTER);
  await writeFile(mpd, withDashAudioNames(await readFile(mpd, "utf8"), names));
  await writeFile(master, withHlsAudioNames(await readFile(master, "utf8"), names));
}
