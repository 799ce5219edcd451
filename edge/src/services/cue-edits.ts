/**
 * One PATCH of a track's cues, applied in memory: changes, additions and removals by index,
 * every one validated (indexes that exist and are named once, times in order and within the
 * video, text with something visible once normalised), then the whole set in time order.
 * The caller stores it re-indexed from 0. Pure, so it is tested without a database.
 */
import type { CueEdits } from "../../../shared/api/subtitles.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import type { Cue } from "../../../shared/subtitles/cue.ts";
import { sanitizeCueText } from "../../../shared/subtitles/cue-text.ts";

export interface IndexedCue extends Cue {
  index: number;
}

export function applyCueEdits(cues: IndexedCue[], edits: CueEdits, durationMs: number | null): Cue[] {
  const byIndex = new Map(cues.map((cue) => [cue.index, cue]));
  const named = new Map<number, string>();
  const claim = (index: number, path: string) => {
    if (!byIndex.has(index))
      refuse(path, `there is no cue with index ${index} (the track has ${cues.length})`);
    const earlier = named.get(index);
    if (earlier) refuse(path, `cue ${index} is already named at ${earlier}`);
    named.set(index, path);
  };
  for (const [i, index] of edits.remove.entries()) claim(index, `remove.${i}`);
  const changed = new Map<number, Cue>();
  edits.changes.forEach((change, i) => {
    const path = `changes.${i}`;
    claim(change.index, `${path}.index`);
    const cue = byIndex.get(change.index)!;
    changed.set(
      change.index,
      checked(
        {
          startMs: change.startMs ?? cue.startMs,
          endMs: change.endMs ?? cue.endMs,
          text: change.text ?? cue.text,
        },
        path,
        durationMs,
      ),
    );
  });
  const removed = new Set(edits.remove);
  const kept = cues
    .filter((cue) => !removed.has(cue.index))
    .map((cue) => changed.get(cue.index) ?? { startMs: cue.startMs, endMs: cue.endMs, text: cue.text });
  const added = edits.add.map((cue, i) => checked(cue, `add.${i}`, durationMs));
  // Stable: cues starting together keep their order, additions after the existing ones.
  return [...kept, ...added].sort((a, b) => a.startMs - b.startMs);
}

function checked(cue: Cue, path: string, durationMs: number | null): Cue {
  if (cue.endMs <= cue.startMs) refuse(`${path}.endMs`, "must be after startMs");
  if (durationMs !== null && cue.startMs >= durationMs)
    refuse(`${path}.startMs`, `must be before the video's end (${durationMs} ms)`);
  if (durationMs !== null && cue.endMs > durationMs)
    refuse(`${path}.endMs`, `must not be after the video's end (${durationMs} ms)`);
  const text = sanitizeCueText(cue.text);
  if (text === "") refuse(`${path}.text`, "has nothing to show; remove the cue instead");
  return { startMs: cue.startMs, endMs: cue.endMs, text };
}

function refuse(path: string, message: string): never {
  throw new ApiError("validation_failed", `invalid body: ${path}: ${message}`, {
    details: [{ path, message }],
  });
}
