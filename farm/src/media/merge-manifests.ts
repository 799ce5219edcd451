/**
 * First playable: the smallest rung (with the audio) is encoded and published first, the
 * other rungs after it in a second ffmpeg run. Both runs use the same GOP, forced keyframes
 * and segment length, so their segments line up; this module joins what each run wrote into
 * one DASH manifest and one HLS master. Pure string work on our own ffmpeg's output.
 *
 * File names keep the runs apart in one directory (the CDN token covers one directory, not
 * subdirectories): the first run writes `init-first-<id>.m4s`, `seg-first-<id>-<n>.m4s` and
 * its media playlists are renamed `media-first-<id>.m3u8`.
 */
import { readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { renditionsFromMpd } from "./dash-manifest.ts";
import { FIRST_PREFIX, HLS_MASTER } from "./published-names.ts";

const representations = (mpd: string) => [
  ...mpd.matchAll(/[ \t]*<Representation\b[\s\S]*?<\/Representation>\n?/g),
];

/**
 * The first run's Representations with ids made unique ("first-0") and their templates
 * spelled out (the template's $RepresentationID$ meant the old id).
 */
function renamedFirst(block: string): string {
  const id = /<Representation\b[^>]*\bid="([^"]+)"/.exec(block)?.[1] ?? "0";
  return block
    .replace(/\$RepresentationID\$/g, id)
    .replace(/(<Representation\b[^>]*\bid=")[^"]+"/, `$1${FIRST_PREFIX}${id}"`);
}

/** One DASH manifest: the rest's video set plus the first run's video rung and audio sets. */
export function mergeDash(first: string, rest: string): string {
  const firstVideoSet = /<AdaptationSet\b[^>]*contentType="video"[\s\S]*?<\/AdaptationSet>/.exec(first)?.[0];
  if (!firstVideoSet) throw new Error("the first run's manifest has no video");
  const firstVideo = representations(firstVideoSet).map((m) => renamedFirst(m[0]));
  const audioSets = [
    ...first.matchAll(/[ \t]*<AdaptationSet\b[^>]*contentType="audio"[\s\S]*?<\/AdaptationSet>\n?/g),
  ].map((m) => m[0].replace(/<Representation\b[\s\S]*?<\/Representation>\n?/g, (rep) => renamedFirst(rep)));
  const videoSet = /(<AdaptationSet\b[^>]*contentType="video"[\s\S]*?)([ \t]*<\/AdaptationSet>)/.exec(rest);
  if (!videoSet) throw new Error("the ladder's manifest has no video");
  const mergedVideo = `${videoSet[1]}${firstVideo.join("")}${videoSet[2]}`;
  let merged = rest.replace(videoSet[0], mergedVideo);
  const end = merged.lastIndexOf("\t</Period>");
  if (end < 0) throw new Error("the DASH manifest has no Period");
  merged = `${merged.slice(0, end)}${audioSets.join("")}${merged.slice(end)}`;
  return merged;
}

/**
 * One HLS master: the first run's audio renditions (EXT-X-MEDIA) and every video variant —
 * the rest's with the audio group and the audio's codec and bitrate added, as the first
 * run's own variant has them.
 */
export function mergeHls(
  firstMaster: string,
  restMaster: string,
  audio: { codecs: string; bandwidth: number } | null,
): string {
  const lines = firstMaster.trimEnd().split("\n");
  const audioGroup = /GROUP-ID="([^"]+)"/.exec(
    lines.find((l) => l.startsWith("#EXT-X-MEDIA:TYPE=AUDIO")) ?? "",
  )?.[1];
  const out = [...lines];
  const rest = restMaster.trimEnd().split("\n");
  for (let i = 0; i < rest.length; i++) {
    const line = rest[i]!;
    if (!line.startsWith("#EXT-X-STREAM-INF:")) continue;
    let inf = line;
    if (audio && audioGroup) {
      inf = inf
        .replace(/BANDWIDTH=(\d+)/, (_m, bw: string) => `BANDWIDTH=${Number(bw) + audio.bandwidth}`)
        .replace(/CODECS="([^"]*)"/, (_m, codecs: string) => `CODECS="${codecs},${audio.codecs}"`);
      inf += `,AUDIO="${audioGroup}"`;
    }
    out.push(inf, rest[i + 1] ?? "");
    i += 1;
  }
  return `${out.join("\n")}\n`;
}

/** Renames the first run's media playlists in `dir` (and in its master) so the rest's cannot clash. */
export async function renameFirstPlaylists(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const match = /^media_(\d+)\.m3u8$/.exec(name);
    if (match) await rename(path.join(dir, name), path.join(dir, `media-${FIRST_PREFIX}${match[1]}.m3u8`));
  }
  const master = path.join(dir, HLS_MASTER);
  const text = await readFile(master, "utf8");
  await writeFile(master, text.replace(/media_(\d+)\.m3u8/g, `media-${FIRST_PREFIX}$1.m3u8`));
}

/** The first run's audio as HLS variants need it: codec and bitrate of its default track. */
export function firstAudio(firstMpd: string): { codecs: string; bandwidth: number } | null {
  const audio = renditionsFromMpd(firstMpd).find((r) => r.kind === "audio");
  return audio ? { codecs: audio.codecs, bandwidth: audio.bandwidth } : null;
}
