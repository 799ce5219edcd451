/**
 * Until a chunked video plays, the audio pieces after the first run at a lower CPU priority
 * (nice 10): the first playable waits for the first chunk and the first audio piece only, and
 * a node's audio worker often starts a later piece beside its first chunk. Only audio pieces:
 * they are cheap and far ahead of the video, so one that keeps nice 10 after the video plays
 * (a process cannot take its priority back) still comes in time; a chunk would hold back the
 * growing video for as long as it ran (measured: a 6 s chunk took 11 s instead of 5).
 */
import { units } from "./chunk-plan.ts";
import type { ChunkRun } from "./chunk-runs.ts";
import type { ChunkJobDeps } from "./encode-chunk-job.ts";

/** Whether audio piece `index` of `run` starts while the video waits for its first playable. */
export async function behindFirstPlayable(
  deps: Pick<ChunkJobDeps, "chunkRuns">,
  run: ChunkRun,
  index: number,
) {
  return index > 0 && !(await deps.chunkRuns.doneUnits(run.id)).has(units.playable);
}
