/**
 * encode_audio: one piece of a chunked run's audio, on whichever node claims it, queued with
 * the chunks when the run starts — so the audio is encoded in parallel with the video instead
 * of by one node for the whole source. It reads only its part of the source (byte ranges via
 * the loopback source server: the container's index, then the audio packets of its span),
 * encodes every audio track's piece (audio-pieces.ts: frame-exact), packages it as CMAF and
 * publishes the segments straight to their final keys under the run's prefix, on the video's
 * timeline after the smallest rung's stream (chunk-segments.ts) — as a chunk job does, and
 * safe to share keys between attempts for the same reasons (encode-chunk-job.ts). Its segment
 * list (and the first piece its frames: the playable stage makes the manifests' audio from
 * them) go to the run's scratch prefix; then it marks its unit done, fenced like every job.
 * The first piece's job then makes the poster (run-poster.ts).
 */
import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { AAC_FRAME_SAMPLES, AUDIO_RATE, encodeAudioPiece, packageAudioPiece } from "../media/audio-pieces.ts";
import { type ChunkStream, placeChunkSegments, restreamed } from "../media/chunk-segments.ts";
import type { Ffmpeg } from "../media/ffmpeg.ts";
import type { Ladder } from "../media/ladder.ts";
import { FIRST_PREFIX } from "../media/published-names.ts";
import type { JobHandler } from "../queue/job-runner.ts";
import { withWorkDir } from "../scratch.ts";
import { chunkScratchPrefix } from "../storage/media-keys.ts";
import {
  type AudioPiece,
  audioListName,
  audioPieceName,
  audioSegmentOffset,
  audioTimelineFrame,
  partRungs,
  units,
} from "./chunk-plan.ts";
import { RunAbandonedError } from "./chunk-runs.ts";
import { type ChunkJobDeps, giveUpOnRun, wantedRun } from "./encode-chunk-job.ts";
import { finishPart, makeRunPoster, makesRunPoster, onlyThePosterLeft } from "./run-poster.ts";
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
      const unit = units.audio(piece.index);
      const makesPoster = makesRunPoster(run, "encode_audio", piece.index);
      if (await onlyThePosterLeft(deps, run, unit, makesPoster)) {
        await makeRunPoster(deps, job, run, signal);
        return;
      }
      await withWorkDir(deps.config.FARM_TMP_DIR, async (dir) => {
        const scratch = path.join(dir, "scratch");
        const published = path.join(dir, "published");
        await Promise.all([mkdir(scratch), mkdir(published)]);
        // The first piece's frames are kept in the scratch prefix (the playable stage makes the
        // manifests' audio from them); the others' are only packaged here.
        const framesDir = piece.index === 0 ? scratch : dir;
        const outputs = plan.info.audioStreams.map((_, track) =>
          path.join(framesDir, audioPieceName(piece.index, track)),
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
          source.assertWhole(); // not a piece cut short by a broken read
        } finally {
          await source.close();
        }
        deps.log(
          `video ${run.videoId} audio piece ${piece.index}: read ${source.bytesServed()} of ${source.size} source bytes`,
        );
        const streams = await placeAudioPiece(deps.ffmpeg, {
          frames: outputs,
          piece,
          durationMs: plan.durationMs,
          ladder: plan.ladder,
          streamOffset: partRungs(plan, "first").length,
          workDir: dir,
          outDir: published,
          signal,
        });
        await writeFile(path.join(scratch, audioListName(piece.index)), JSON.stringify({ streams }));
        await deps.storage.publishDirectory(published, run.prefix, { signal });
        await deps.storage.publishDirectory(scratch, chunkScratchPrefix(run.videoId, run.id), { signal });
      });
      try {
        await finishPart(deps, job, run, unit, makesPoster, signal);
      } catch (err) {
        if (!(err instanceof RunAbandonedError)) throw err;
      }
    },
    giveUp: (job, error) => giveUpOnRun(deps, job, error),
  };
}

/**
 * One piece's CMAF segments, every track, in `outDir` under their final names: timed as a
 * join would start it, packaged alone (cut where one packaging of the whole audio cuts: the
 * piece starts on the segment grid), then numbered and timed on the video's timeline, each
 * track's stream number after the smallest rung's (`streamOffset`). Returns each track's record.
 */
export async function placeAudioPiece(
  ffmpeg: Ffmpeg,
  input: {
    /** The piece's own frames, one ADTS file per track (encodeAudioPiece). */
    frames: string[];
    piece: AudioPiece;
    durationMs: number;
    ladder: Pick<Ladder, "segmentSeconds" | "audioBitrateK">;
    streamOffset: number;
    workDir: string;
    outDir: string;
    signal?: AbortSignal;
  },
): Promise<ChunkStream[]> {
  const { piece, workDir } = input;
  const tracks = input.frames.length;
  const timelineFrame = audioTimelineFrame(piece);
  // A source whose audio ends before this piece starts: nothing to publish (the stream just
  // ends there, as a single encode's would).
  const sizes = await Promise.all(input.frames.map(async (file) => (await stat(file)).size));
  if (sizes.every((size) => size === 0)) {
    return input.frames.map((_, track) => ({
      init: restreamed(`init-${FIRST_PREFIX}${track}.m4s`, input.streamOffset),
      initSha256: "",
      segments: [],
    }));
  }
  if (sizes.some((size) => size === 0)) {
    throw new Error(`audio piece ${piece.index}: some tracks end before it, others do not`);
  }
  const packaged = path.join(workDir, `packaged-${piece.index}`);
  await mkdir(packaged);
  await packageAudioPiece(ffmpeg, {
    frames: input.frames,
    endSample:
      piece.frames === null
        ? Math.round((input.durationMs / 1000) * AUDIO_RATE) - timelineFrame * AAC_FRAME_SAMPLES
        : null,
    bitrateK: input.ladder.audioBitrateK,
    segmentSeconds: input.ladder.segmentSeconds,
    outDir: packaged,
    filePrefix: FIRST_PREFIX,
    signal: input.signal,
  });
  const placed = await placeChunkSegments({
    packagedDir: packaged,
    outDir: input.outDir,
    streams: tracks,
    dropSeconds: 0,
    numberOffset: audioSegmentOffset(piece, input.ladder.segmentSeconds),
    startSeconds: (timelineFrame * AAC_FRAME_SAMPLES) / AUDIO_RATE,
    streamOffset: input.streamOffset,
    withInit: piece.index === 0,
  });
  // The packager times a piece's first segment from the frame after its first (it takes that
  // one for the priming the edit list hides); past the start of the audio it is a real one.
  const firstFrameSeconds = timelineFrame > 0 ? AAC_FRAME_SAMPLES / AUDIO_RATE : 0;
  return placed.map(({ stream }) => ({
    ...stream,
    segments: stream.segments.map((segment, i) =>
      i === 0 ? { ...segment, seconds: Number((segment.seconds + firstFrameSeconds).toFixed(6)) } : segment,
    ),
  }));
}
