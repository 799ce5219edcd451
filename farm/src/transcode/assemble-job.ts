/**
 * assemble_video: joins a chunked run's pieces into one timeline and publishes it.
 * - `playable` (queued when the poster, the audio's pieces and every chunk's smallest rung are
 *   done): the smallest rung with the audio, on their own manifests — the video plays while the other rungs encode.
 * - `final` (queued when everything else is done): the other rungs, joined with the playable
 *   stage's manifests into the final ones, the subtitle set rendered, published as ready; then
 *   the chunk files and the run's rows go.
 * Both are stream copies (chunk-media.ts): the cost is moving bytes, not encoding.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { joinAudioPieces } from "../media/audio-pieces.ts";
import { packageChunks } from "../media/chunk-media.ts";
import {
  DASH_MANIFEST,
  FIRST_DASH,
  FIRST_HLS,
  FIRST_PREFIX,
  HLS_MASTER,
  STORYBOARD_VTT,
} from "../media/published-names.ts";
import { makeStoryboardFromRendition } from "../media/thumbnails.ts";
import type { Job, JobQueue } from "../queue/job-queue.ts";
import type { JobHandler } from "../queue/job-runner.ts";
import { withWorkDir } from "../scratch.ts";
import { chunkScratchPrefix } from "../storage/media-keys.ts";
import type { SubtitleStore } from "../subtitles/subtitle-store.ts";
import { renderReadySubtitles } from "../subtitles/transcode-subtitles.ts";
import { AUDIO_FILE, audioPieceName, chunkFileName, partRungs, units } from "./chunk-plan.ts";
import { type ChunkRun, RunAbandonedError } from "./chunk-runs.ts";
import { type ChunkJobDeps, giveUpOnRun, type WantedRun, wantedRun } from "./encode-chunk-job.ts";
import { finishFirstManifests, joinWithFirst } from "./first-manifests.ts";
import { publishFirstPlayable, publishLadder } from "./publish-ladder.ts";

export interface AssembleDeps extends ChunkJobDeps {
  queue: JobQueue;
  subtitles: SubtitleStore;
}

export function assembleVideoHandler(deps: AssembleDeps): JobHandler<"assemble_video"> {
  return {
    async run(job, { signal }) {
      const wanted = await wantedRun(deps, job.payload.runId);
      if (!wanted) return; // abandoned, deleted or failed meanwhile
      await withWorkDir(deps.config.FARM_TMP_DIR, async (dir) => {
        const stage = { deps, job, wanted, dir, out: path.join(dir, "out"), signal };
        await mkdir(stage.out);
        if (job.payload.stage === "playable") await assemblePlayable(stage);
        else await assembleFinal(stage);
      });
    },
    giveUp: (job, error) => giveUpOnRun(deps, job, error),
  };
}

interface Stage {
  deps: AssembleDeps;
  job: Job<"assemble_video">;
  wanted: WantedRun;
  /** Scratch directory of this job, and the output directory inside it. */
  dir: string;
  out: string;
  signal: AbortSignal;
}

/** Downloads one part of every chunk, in timeline order, with the warm-up each starts with. */
async function downloadChunks({ deps, wanted, dir, signal }: Stage, part: "first" | "rest") {
  const { run } = wanted;
  const files: { file: string; prerollSeconds: number }[] = [];
  for (const chunk of run.plan.chunks) {
    const name = chunkFileName(part, chunk.index);
    await deps.storage.download(
      `${chunkScratchPrefix(run.videoId, run.id)}${name}`,
      path.join(dir, name),
      signal,
    );
    files.push({ file: path.join(dir, name), prerollSeconds: chunk.prerollFrames / run.plan.ladder.fps });
  }
  return files;
}

/** The smallest rung with the audio and the storyboard, published while the other rungs encode. */
async function assemblePlayable(stage: Stage): Promise<void> {
  const { deps, job, wanted, dir, out, signal } = stage;
  const { run } = wanted;
  const { plan } = run;
  const hasAudio = plan.info.audioStreams.length > 0;
  const audioFile = path.join(dir, AUDIO_FILE);
  if (hasAudio) {
    // The audio's pieces, frame-exact, joined into one MP4 (a track each) beside the video.
    const tracks = plan.info.audioStreams.length;
    const pieces: string[][] = [];
    for (const piece of plan.audioPieces) {
      const files: string[] = [];
      for (let track = 0; track < tracks; track++) {
        const name = audioPieceName(piece.index, track);
        await deps.storage.download(
          `${chunkScratchPrefix(run.videoId, run.id)}${name}`,
          path.join(dir, name),
          signal,
        );
        files.push(path.join(dir, name));
      }
      pieces.push(files);
    }
    await joinAudioPieces(deps.ffmpeg, {
      pieces,
      tracks,
      joined: (track) => path.join(dir, `audio-${track}.aac`),
      output: audioFile,
      durationMs: plan.durationMs,
      signal,
    });
  }
  const smallest = partRungs(plan, "first")[0]!;
  await packageChunks(deps.ffmpeg, {
    chunks: await downloadChunks(stage, "first"),
    rungs: [smallest],
    segmentSeconds: plan.ladder.segmentSeconds,
    ...(hasAudio
      ? { audio: { file: audioFile, streams: plan.info.audioStreams, bitrateK: plan.ladder.audioBitrateK } }
      : {}),
    outDir: out,
    filePrefix: FIRST_PREFIX,
    workDir: dir,
    signal,
  });
  await makeStoryboardFromRendition(
    deps.ffmpeg,
    out,
    `${FIRST_PREFIX}0`,
    { durationMs: plan.durationMs, width: smallest.width, height: smallest.height },
    dir,
  );
  await finishFirstManifests(out, plan.info.audioStreams);
  await deps.storage.publishDirectory(out, run.prefix, { signal });
  // A re-processed video keeps playing its current media until the final publish.
  if (wanted.status === "processing") {
    const playableAt = await publishFirstPlayable(deps, job, {
      outDir: out,
      prefix: run.prefix,
      durationMs: plan.durationMs,
      storyboard: STORYBOARD_VTT,
    });
    if (playableAt === undefined) return; // the job or the video changed: the runner settles it
    deps.log(`video ${run.videoId} playable: smallest rung of ${plan.chunks.length} chunks published`);
  }
  await finishUnit(deps, job, run, units.playable);
}

/** The other rungs joined with the playable stage's manifests, subtitles rendered, published ready. */
async function assembleFinal(stage: Stage): Promise<void> {
  const { deps, job, wanted, dir, out, signal } = stage;
  const { run } = wanted;
  const { plan } = run;
  const firstMpd = await deps.storage.readText(`${run.prefix}${FIRST_DASH}`);
  const firstMaster = await deps.storage.readText(`${run.prefix}${FIRST_HLS}`);
  await writeFile(path.join(out, FIRST_DASH), firstMpd);
  await writeFile(path.join(out, FIRST_HLS), firstMaster);
  if (plan.ladder.rungs.length > 1) {
    await packageChunks(deps.ffmpeg, {
      chunks: await downloadChunks(stage, "rest"),
      rungs: partRungs(plan, "rest"),
      segmentSeconds: plan.ladder.segmentSeconds,
      outDir: out,
      filePrefix: "",
      workDir: dir,
      signal,
    });
    await joinWithFirst(out);
  } else {
    // One rung: the playable stage's manifests are the whole ladder.
    await writeFile(path.join(out, DASH_MANIFEST), firstMpd);
    await writeFile(path.join(out, HLS_MASTER), firstMaster);
  }
  const subtitleSet = await renderReadySubtitles(deps, {
    videoId: run.videoId,
    durationMs: plan.durationMs,
    outDir: out,
    currentVersion: wanted.subtitlesVersion,
  });
  const published = await publishLadder(deps, job, {
    videoId: run.videoId,
    outDir: out,
    prefix: run.prefix,
    durationMs: plan.durationMs,
    subtitleSet,
    // Playable since the playable stage published (a re-processing: from this publish on).
    playableAt: wanted.status === "processing" ? (wanted.playableAt ?? undefined) : undefined,
    reprocess: plan.reprocess,
    sourceKey: plan.sourceKey,
    translateTo: wanted.translateTo,
    alreadyUploaded: new Set([FIRST_DASH, FIRST_HLS]),
    // The playable stage's files are what the video plays now.
    prefixInUse: true,
    alsoInTransaction: (client) => deps.chunkRuns.remove(client, run),
    signal,
  });
  if (!published) throw new Error("the job or its video changed before the final publish");
  deps.log(`video ${run.videoId} ready: ${plan.chunks.length} chunks assembled`);
}

/** Marks the stage done; a run abandoned meanwhile needs nothing more. */
async function finishUnit(deps: AssembleDeps, job: Job, run: ChunkRun, unit: string) {
  try {
    await deps.chunkRuns.finishUnit(job, run, unit, { complete: true });
  } catch (err) {
    if (!(err instanceof RunAbandonedError)) throw err;
  }
}
