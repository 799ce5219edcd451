/**
 * What ffmpeg may do with an untrusted upload. A source must never make ffmpeg open anything
 * but itself: no network protocol (`-protocol_whitelist file,pipe`), and no demuxer that
 * follows references to other files or devices (an HLS or DASH playlist, a concat list, an
 * IMF composition, an image sequence pattern, lavfi's `movie=`, capture devices). ffmpeg has
 * no demuxer blacklist, so the allow list is every demuxer this build has, minus those.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

export const SOURCE_PROTOCOLS = "file,pipe";

/** Demuxers that read other resources than the file they are given. */
const REFERENCE_FOLLOWING = new Set([
  "hls",
  "applehttp",
  "dash",
  "concat",
  "imf",
  "image2",
  "sdp",
  "rtsp",
  "rtp",
  "sap",
  "srtp",
  "avisynth",
  "vapoursynth",
  "webm_dash_manifest",
  "vobsub",
]);

/** Names in `ffmpeg -demuxers` / `-devices` output (lines like " D  name   description"). */
async function listed(ffmpegPath: string, flag: "-demuxers" | "-devices"): Promise<string[]> {
  // Not execFileSync: two ffmpeg runs block the event loop for ~200 ms (heartbeats, /healthz).
  const { stdout: out } = await promisify(execFile)(ffmpegPath, ["-hide_banner", flag], {
    encoding: "utf8",
    timeout: 10_000,
  });
  const names: string[] = [];
  for (const line of out.split("\n")) {
    const match = /^ D[E ]?\s+(\S+)/.exec(line);
    if (match?.[1]) names.push(...match[1].split(","));
  }
  return names;
}

/** The `-format_whitelist` value for sources with this ffmpeg build. */
export async function sourceFormatWhitelist(ffmpegPath: string): Promise<string> {
  const [devices, demuxers] = await Promise.all([
    listed(ffmpegPath, "-devices"),
    listed(ffmpegPath, "-demuxers"),
  ]);
  const excluded = new Set(devices);
  return demuxers.filter((name) => !excluded.has(name) && !REFERENCE_FOLLOWING.has(name)).join(",");
}
