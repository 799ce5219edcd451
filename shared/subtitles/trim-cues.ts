import type { Cue } from "./cue.ts";

/**
 * Cues within a video of `durationMs`: those starting at or after its end go, those running
 * past it end with it. Without a known duration (still probing) nothing changes.
 */
export function trimCues(cues: Cue[], durationMs: number | null | undefined): Cue[] {
  if (durationMs === null || durationMs === undefined) return cues;
  return cues
    .filter((cue) => cue.startMs < durationMs)
    .map((cue) => (cue.endMs > durationMs ? { ...cue, endMs: durationMs } : cue));
}
