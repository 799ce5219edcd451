/**
 * assemble_video: writes a chunked run's manifests; the chunk jobs already published every
 * video segment to its final key (encode-chunk-job.ts), so no video byte passes through here.
 * - `playable` (queued when the poster, the audio's pieces and every chunk's smallest rung are
 *   done): joins the audio's pieces and packages them (the one media this stage writes), and
 *   writes the smallest rung's playlist from the chunks' segment lists, on their own manifests
 *   (FIRST_DASH, FIRST_HLS) — the video plays while the other rungs encode.
 * - `final` (queued when everything else is done): the other rungs' playlists and manifests
 *   the same way, joined with the playable stage's into the final ones, the subtitle set
 *   rendered, published as ready; then the run's scratch files and rows go.
 * The manifests' templates are the dash muxer's own, from each part's chunk 0; the storyboard
 * is still made from the smallest rung, which the playable stage reads (not writes).
 */
import { appendFile, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { joinAudioPieces } from "../media/audio-pieces.ts";
import {
  joinChunkStreams,
  streamSeconds,
  vodMediaPlaylistText,
  withPresentationDuration,
} from "../media/chunk-manifests.ts";
import { packageChunks } from "../media/chunk-media.ts";
import type { ChunkStream } from "../media/chunk-segments.ts";
import { ffmpegMediaPlaylist, type StreamSegments } from "../media/growing-manifests.ts";
import type { Rung } from "../media/ladder.ts";
import {
  DASH_MANIFEST,
  FIRST_DASH,
  FIRST_HLS,
  FIRST_PREFIX,
  HLS_MASTER,
  STORYBOARD_VTT,
} from "../media/published-names.ts";
import { storyboardLayout, storyboardThumbName, tileStoryboard } from "../media/thumbnails.ts";
import type { Job, JobQueue } from "../queue/job-queue.ts";
import type { JobHandler } from "../queue/job-runner.ts";
import { withWorkDir } from "../scratch.ts";
import { chunkScratchPrefix } from "../storage/media-keys.ts";
import type { SubtitleStore } from "../subtitles/subtitle-store.ts";
import { renderReadySubtitles } from "../subtitles/transcode-subtitles.ts";
import {
  AUDIO_FILE,
  audioPieceName,
  chunkListName,
  partRungs,
  partTemplateName,
  units,
} from "./chunk-plan.ts";
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

/**
 * Every chunk's record of one part (chunk-segments.ts): its streams' segments joined per stream
 * in timeline order, and the storyboard thumbnails the chunks made.
 */
async function partStreams({ deps, wanted }: Stage, part: "first" | "rest") {
  const { run } = wanted;
  const scratch = chunkScratchPrefix(run.videoId, run.id);
  const chunks = await Promise.all(
    run.plan.chunks.map(
      async (chunk) =>
        JSON.parse(await deps.storage.readText(`${scratch}${chunkListName(part, chunk.index)}`)) as {
          streams: ChunkStream[];
          thumbs?: number[];
        },
    ),
  );
  return { streams: joinChunkStreams(chunks), thumbs: chunks.flatMap((chunk) => chunk.thumbs ?? []) };
}

/** Each stream's finished media playlist (ffmpeg's names: media_N.m3u8) in `out`, and the video's seconds. */
async function writeMediaPlaylists(out: string, streams: StreamSegments[], segmentSeconds: number) {
  for (const [i, stream] of streams.entries()) {
    await writeFile(path.join(out, ffmpegMediaPlaylist(i)), vodMediaPlaylistText(stream, segmentSeconds));
  }
  return Math.max(...streams.map(streamSeconds));
}

async function setPresentationDuration(mpd: string, seconds: number) {
  await writeFile(mpd, withPresentationDuration(await readFile(mpd, "utf8"), seconds));
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
  const { streams, thumbs } = await partStreams(stage, "first");
  const video = streams[0];
  if (!video) throw new Error(`run ${run.id} has no smallest rung`);
  // ffmpeg writes the manifests (codecs, the audio's sets and playlists) from the audio and the
  // smallest rung's first segment, read back; the video's playlist and length are then the
  // whole rung's. Its local copy of that segment is not published: the chunk's stays.
  const sample = path.join(dir, "sample.mp4");
  await deps.storage.download(`${run.prefix}${video.init}`, sample, signal);
  const firstSegment = path.join(dir, "sample-segment.m4s");
  await deps.storage.download(`${run.prefix}${video.segments[0]!.uri}`, firstSegment, signal);
  await appendFile(sample, await readFile(firstSegment));
  await packageChunks(deps.ffmpeg, {
    chunks: [{ file: sample, prerollSeconds: 0 }],
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
  for (const name of await readdir(out)) {
    if (name === video.init || /^seg-first-0-\d+\.m4s$/.test(name)) await rm(path.join(out, name));
  }
  const seconds = await writeMediaPlaylists(out, [video], plan.ladder.segmentSeconds);
  await setPresentationDuration(path.join(out, DASH_MANIFEST), seconds);
  await tileChunkThumbs(stage, thumbs, smallest);
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
  const { deps, job, wanted, out, signal } = stage;
  const { run } = wanted;
  const { plan } = run;
  const firstMpd = await deps.storage.readText(`${run.prefix}${FIRST_DASH}`);
  const firstMaster = await deps.storage.readText(`${run.prefix}${FIRST_HLS}`);
  await writeFile(path.join(out, FIRST_DASH), firstMpd);
  await writeFile(path.join(out, FIRST_HLS), firstMaster);
  if (plan.ladder.rungs.length > 1) {
    // The dash muxer's manifests of the rest's chunk 0, every rung's playlist from the chunks' lists.
    const scratch = chunkScratchPrefix(run.videoId, run.id);
    for (const file of [DASH_MANIFEST, HLS_MASTER]) {
      await writeFile(
        path.join(out, file),
        await deps.storage.readText(`${scratch}${partTemplateName("rest", file)}`),
      );
    }
    const seconds = await writeMediaPlaylists(
      out,
      (await partStreams(stage, "rest")).streams,
      plan.ladder.segmentSeconds,
    );
    await setPresentationDuration(path.join(out, DASH_MANIFEST), seconds);
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

/** The storyboard tiled from the thumbnails every chunk made of its own part (encode-chunk-job.ts). */
async function tileChunkThumbs({ deps, wanted, dir, out, signal }: Stage, thumbs: number[], rung: Rung) {
  const { run } = wanted;
  const scratch = chunkScratchPrefix(run.videoId, run.id);
  const thumbsDir = path.join(dir, "thumbs");
  await mkdir(thumbsDir);
  for (const index of thumbs) {
    const name = storyboardThumbName(index);
    await deps.storage.download(`${scratch}${name}`, path.join(thumbsDir, name), signal);
  }
  await tileStoryboard(deps.ffmpeg, {
    thumbsDir,
    outDir: out,
    layout: storyboardLayout({ durationMs: run.plan.durationMs, width: rung.width, height: rung.height }),
    signal,
  });
}

/** Marks the stage done; a run abandoned meanwhile needs nothing more. */
async function finishUnit(deps: AssembleDeps, job: Job, run: ChunkRun, unit: string) {
  try {
    await deps.chunkRuns.finishUnit(job, run, unit, { complete: true });
  } catch (err) {
    if (!(err instanceof RunAbandonedError)) throw err;
  }
}
