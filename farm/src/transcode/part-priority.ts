/**
 * Until a chunked video plays, every part but the first chunk's and the first audio piece's
 * runs at a lower CPU priority (nice 10): the first playable waits for those two only, and a
 * node often runs one of them beside a later part. A part started after that runs at the
 * normal priority.
 */
import { units } from "./chunk-plan.ts";
import type { ChunkRun } from "./chunk-runs.ts";
import type { ChunkJobDeps } from "./encode-chunk-job.ts";

/** Whether the part `index` of `run` starts while the video waits for its first playable. */
export async function behindFirstPlayable(
  deps: Pick<ChunkJobDeps, "chunkRuns">,
  run: ChunkRun,
  index: number,
) {
  return index > 0 && !(await deps.chunkRuns.doneUnits(run.id)).has(units.playable);
}
