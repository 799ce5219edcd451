/**
 * What every source goes through before the ladder scales it, so it is shown as it should
 * be: fields woven into frames (bwdif), HDR tone-mapped to SDR BT.709, a constant frame rate
 * (the fps filter places frames by their timestamps, so a variable-rate source neither
 * drifts from its audio nor changes length), and 8-bit 4:2:0. And for audio: every track
 * downmixed to stereo with the centre channel kept (dialogue lives there) and normalised to
 * the loudness target.
 */
import type { SourceInfo } from "./inspect.ts";

/** HDR → SDR needs zimg's zscale and the tonemap filter in the ffmpeg build. */
export const TONEMAP_FILTERS = ["zscale", "tonemap"] as const;

/**
 * Linearise from the source's transfer, convert BT.2020 → BT.709 primaries in float, tone-map
 * (Hable keeps highlights without crushing mid-tones; desat=0 keeps colour in bright areas),
 * then back to BT.709 gamma, limited range.
 */
function toneMap(transfer: "pq" | "hlg"): string {
  const tin = transfer === "pq" ? "smpte2084" : "arib-std-b67";
  return [
    `zscale=tin=${tin}:min=bt2020nc:pin=bt2020:rin=tv:t=linear:npl=100`,
    "format=gbrpf32le",
    "zscale=p=bt709",
    "tonemap=tonemap=hable:desat=0",
    "zscale=t=bt709:m=bt709:r=tv",
  ].join(",");
}

/** The filters from the decoded source to the frames every rung is scaled from. */
export function videoPrelude(info: Pick<SourceInfo, "interlaced" | "transfer">, fps: number): string {
  const steps: string[] = [];
  // send_frame: one frame per frame (not per field), so the frame rate stays the source's.
  if (info.interlaced) steps.push("bwdif=mode=send_frame:parity=auto:deint=all");
  if (info.transfer !== "sdr") steps.push(toneMap(info.transfer));
  steps.push(`fps=${fps}`, "format=yuv420p");
  return steps.join(",");
}

/** Output colour tags: BT.709 when we converted (SDR sources keep whatever they declared). */
export function colorTagArgs(info: Pick<SourceInfo, "transfer">): string[] {
  if (info.transfer === "sdr") return [];
  return ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv"];
}

/**
 * One audio track's filters: stereo through libswresample's downmix matrix (centre and
 * surrounds at −3 dB into both sides, LFE left out), then EBU R128 loudness normalisation
 * (single pass, dynamic), resampled back to 48 kHz (loudnorm works at 192 kHz).
 */
export function audioChain(loudnessTarget: number | null): string {
  const steps = ["aformat=channel_layouts=stereo"];
  if (loudnessTarget !== null) steps.push(`loudnorm=I=${loudnessTarget}:TP=-1.5:LRA=11`);
  steps.push("aresample=48000");
  return steps.join(",");
}
