/**
 * A chunked run's poster: made by one of its part jobs (chunk-plan.ts' posterMaker) after
 * that job's own part counts, from one GOP of the source read by ranges, at a lower CPU
 * priority than the parts beside it. The playing video gets it here, or from the playable
 * stage if it was not playing yet (both read the poster's unit: see assemble-job.ts). A job
 * retried after its part counted but before the poster did makes the poster only.
 */
import path from "node:path";
import { POSTER } from "../media/published-names.ts";
import { makePoster, posterSeconds } from "../media/thumbnails.ts";
import type { Job } from "../queue/job-queue.ts";
import { withWorkDir } from "../scratch.ts";
import { posterMaker, units } from "./chunk-plan.ts";
import type { ChunkRun } from "./chunk-runs.ts";
import type { ChunkJobDeps } from "./encode-chunk-job.ts";
import { serveUpload } from "./source-server.ts";

/** Whether this part's job makes the run's poster. */
export const makesRunPoster = (run: ChunkRun, type: "encode_audio" | "encode_chunk", index: number) => {
  const maker = posterMaker(run.plan, posterSeconds(run.plan.durationMs));
  return maker.type === type && maker.index === index;
};

/** A retry of the poster's job whose part already counts: only the poster is left to make. */
export const onlyThePosterLeft = async (
  deps: ChunkJobDeps,
  run: ChunkRun,
  unit: string,
  makesPoster: boolean,
) => makesPoster && (await deps.chunkRuns.doneUnits(run.id)).has(unit);

/**
 * Marks the part's unit done as soon as its media is out (the video may grow by it); the job
 * that makes the poster keeps its lease for it and makes it then.
 */
export async function finishPart(
  deps: ChunkJobDeps,
  job: Job,
  run: ChunkRun,
  unit: string,
  makesPoster: boolean,
  signal: AbortSignal,
): Promise<void> {
  if (!(await deps.chunkRuns.finishUnit(job, run, unit, { complete: !makesPoster }))) return;
  if (makesPoster) await makeRunPoster(deps, job, run, signal);
}

export async function makeRunPoster(
  deps: ChunkJobDeps,
  job: Job,
  run: ChunkRun,
  signal: AbortSignal,
): Promise<void> {
  const { plan } = run;
  await withWorkDir(deps.config.FARM_TMP_DIR, async (dir) => {
    const source = await serveUpload(deps.storage, plan.sourceKey, signal);
    try {
      // As tall as the top rung (at most 720: makePoster), the source's own picture.
      const height = plan.ladder.rungs[0]!.height;
      await makePoster(
        deps.ffmpeg,
        source.url,
        dir,
        plan.durationMs,
        height,
        "source-over-http",
        signal,
        true,
      );
    } finally {
      await source.close();
    }
    await deps.storage.putFile(`${run.prefix}${POSTER}`, path.join(dir, POSTER), { signal });
  });
  if (!(await deps.chunkRuns.finishUnit(job, run, units.poster, { complete: false }))) return;
  await deps.videos.attachPoster(deps.queue, job, run.prefix, POSTER);
}
