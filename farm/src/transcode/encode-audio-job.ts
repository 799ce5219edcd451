/**
 * encode_audio: one piece of a chunked run's audio, on whichever node claims it, queued with
 * the chunks when the run starts — so the audio is encoded in parallel with the video instead
 * of by one node for the whole source. It reads only its part of the source (byte ranges via
 * the loopback source server: the container's index, then the audio packets of its span),
 * encodes every audio track's piece (audio-pieces.ts: frame-exact joins), stores them with the
 * run's chunk files and marks its unit done, fenced like every job.
 */
import path from "node:path";
import { encodeAudioPiece } from "../media/audio-pieces.ts";
import type { JobHandler } from "../queue/job-runner.ts";
import { withWorkDir } from "../scratch.ts";
import { chunkScratchPrefix } from "../storage/media-keys.ts";
import { audioPieceName, units } from "./chunk-plan.ts";
import { RunAbandonedError } from "./chunk-runs.ts";
import { type ChunkJobDeps, giveUpOnRun, wantedRun } from "./encode-chunk-job.ts";
import { serveUpload } from "./source-server.ts";

export function encodeAudioHandler(deps: ChunkJobDeps): JobHandler<"encode_audio"> {
  return {
    async run(job, { signal }) {
      const wanted = await wantedRun(deps, job.payload.runId);
      if (!wanted) return; // abandoned, deleted or failed meanwhile: nothing to do
      const { run } = wanted;
      const { plan } = run;
      const piece = plan.audioPieces[job.payload.index];
      if (!piece) throw new Error(`audio piece ${job.payload.index} is not in run ${run.id}`);
      await withWorkDir(deps.config.FARM_TMP_DIR, async (dir) => {
        const outputs = plan.info.audioStreams.map((_, track) =>
          path.join(dir, audioPieceName(piece.index, track)),
        );
        const source = await serveUpload(deps.storage, plan.sourceKey, signal);
        try {
          await encodeAudioPiece(deps.ffmpeg, {
            sourceUrl: source.url,
            outputs,
            info: plan.info,
            ladder: plan.ladder,
            loudnessTarget: deps.config.LOUDNESS_TARGET,
            window: piece,
            signal,
          });
        } finally {
          await source.close();
        }
        deps.log(
          `video ${run.videoId} audio piece ${piece.index}: read ${source.bytesServed()} of ${source.size} source bytes`,
        );
        await deps.storage.publishDirectory(dir, chunkScratchPrefix(run.videoId, run.id), { signal });
      });
      try {
        await deps.chunkRuns.finishUnit(job, run, units.audio(piece.index), { complete: true });
      } catch (err) {
        if (!(err instanceof RunAbandonedError)) throw err;
      }
    },
    giveUp: (job, error) => giveUpOnRun(deps, job, error),
  };
}
