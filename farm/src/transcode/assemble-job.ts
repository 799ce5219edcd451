/**
 * assemble_video: writes a chunked run's manifests; the chunk and audio jobs already published
 * every segment to its final key (encode-chunk-job.ts, encode-audio-job.ts), so no media byte
 * passes through here.
 * - `playable` (queued when the first chunk's smallest rung and the first audio piece are
 *   done): the dash muxer's manifests of the smallest rung and the audio, from one segment of
 *   the one and the first piece's frames, become the templates of growing manifests (HLS
 *   EVENT, a dynamic MPD: growing-manifests.ts) listing what is done from the start of the
 *   video; the video plays.
 * - `grow` (queued by each later chunk's smallest rung or audio piece): the same manifests,
 *   listing the start of the video done by now — each stream's segments up to its first part
 *   not yet done. Written under the run's row lock, so an update never lists less than one
 *   before it: the manifests only grow.
 * - `final` (queued when everything else is done): the growing manifests ended, the other
 *   rungs' playlists and manifests joined with the smallest rung's into the final ones, the
 *   storyboard tiled from the chunks' thumbnails, the subtitle set rendered, published as
 *   ready; then the run's scratch files and rows go.
 */
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { audioTrackNames } from "../media/audio-manifests.ts";
import {
  joinChunkStreams,
  streamSeconds,
  vodMediaPlaylistText,
  withPresentationDuration,
} from "../media/chunk-manifests.ts";
import { packageChunks } from "../media/chunk-media.ts";
import type { ChunkStream } from "../media/chunk-segments.ts";
import {
  ffmpegMediaPlaylist,
  LIVE_DASH,
  LIVE_HLS,
  liveManifestFiles,
  type StreamSegments,
} from "../media/growing-manifests.ts";
import type { Rung } from "../media/ladder.ts";
import {
  DASH_MANIFEST,
  FIRST_DASH,
  FIRST_HLS,
  FIRST_PREFIX,
  HLS_MASTER,
  POSTER,
} from "../media/published-names.ts";
import { storyboardLayout, storyboardThumbName, tileStoryboard } from "../media/thumbnails.ts";
import type { Job, JobQueue } from "../queue/job-queue.ts";
import type { JobHandler } from "../queue/job-runner.ts";
import { withWorkDir } from "../scratch.ts";
import { chunkScratchPrefix } from "../storage/media-keys.ts";
import type { SubtitleStore } from "../subtitles/subtitle-store.ts";
import { renderReadySubtitles } from "../subtitles/transcode-subtitles.ts";
import {
  audioListName,
  audioPieceName,
  chunkListName,
  GROWING_TEMPLATE,
  partRungs,
  partTemplateName,
  runUnits,
  units,
} from "./chunk-plan.ts";
import { type ChunkRun, RunAbandonedError } from "./chunk-runs.ts";
import { type ChunkJobDeps, giveUpOnRun, type WantedRun, wantedRun } from "./encode-chunk-job.ts";
import { finishFirstManifests, joinWithFirst } from "./first-manifests.ts";
import { publishFirstPlayable, publishLadder } from "./publish-ladder.ts";
import { putLiveManifests } from "./segment-publisher.ts";

export interface AssembleDeps extends ChunkJobDeps {
  queue: JobQueue;
  subtitles: SubtitleStore;
}

export function assembleVideoHandler(deps: AssembleDeps): JobHandler<"assemble_video"> {
  return {
    async run(job, { signal }) {
      const wanted = await wantedRun(deps, job.payload.runId);
      if (!wanted) return; // abandoned, deleted or failed meanwhile
      if (job.payload.stage === "grow") {
        await growManifests({ deps, wanted, signal });
        return;
      }
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

/** The growing manifests' templates and the start time every update of the dynamic MPD keeps. */
interface GrowingTemplate {
  dash: string;
  hls: string;
  availabilityStartTime: string;
}

const readJson = async <T>(deps: AssembleDeps, run: ChunkRun, name: string) =>
  JSON.parse(await deps.storage.readText(`${chunkScratchPrefix(run.videoId, run.id)}${name}`)) as T;

/**
 * The streams of the smallest rung and the audio over the first `chunks` chunks and `pieces`
 * audio pieces, in the manifests' order (the rung, then each audio track), and the chunks'
 * storyboard thumbnails.
 */
async function firstStreams(deps: AssembleDeps, run: ChunkRun, chunks: number, pieces: number) {
  const video = await Promise.all(
    run.plan.chunks
      .slice(0, chunks)
      .map((chunk) =>
        readJson<{ streams: ChunkStream[]; thumbs?: number[] }>(
          deps,
          run,
          chunkListName("first", chunk.index),
        ),
      ),
  );
  const audio = await Promise.all(
    run.plan.audioPieces
      .slice(0, pieces)
      .map((piece) => readJson<{ streams: ChunkStream[] }>(deps, run, audioListName(piece.index))),
  );
  const streams: StreamSegments[] = [
    ...(video.length > 0 ? joinChunkStreams(video) : []),
    ...(audio.length > 0 ? joinChunkStreams(audio) : []),
  ];
  return { streams, thumbs: video.flatMap((chunk) => chunk.thumbs ?? []) };
}

/** How many of `count` parts are done from the start, without a gap. */
const donePrefix = (done: Set<string>, count: number, unit: (index: number) => string) => {
  let n = 0;
  while (n < count && done.has(unit(n))) n += 1;
  return n;
};

/**
 * Writes the growing manifests listing what is done from the start, under the run's lock;
 * returns the units done then. Undefined when there is nothing to write: no template yet (the
 * playable stage, still to take the lock, will list this), or the run is complete (the final
 * stage ends them) or gone.
 */
async function writeGrowing(
  deps: AssembleDeps,
  run: ChunkRun,
  signal: AbortSignal,
  template?: GrowingTemplate,
): Promise<Set<string> | undefined> {
  const { plan } = run;
  return deps.chunkRuns.withRunLock(run.id, async (done) => {
    if (runUnits(plan).every((unit) => done.has(unit))) return undefined;
    const known =
      template ?? (await readJson<GrowingTemplate>(deps, run, GROWING_TEMPLATE).catch(() => undefined));
    if (!known) return undefined;
    const { streams } = await firstStreams(
      deps,
      run,
      donePrefix(done, plan.chunks.length, units.first),
      donePrefix(done, plan.audioPieces.length, units.audio),
    );
    await putLiveManifests(deps.storage, run.prefix, liveManifests(plan, known, streams, false), {
      ended: false,
      signal,
    });
    return done;
  });
}

const liveManifests = (
  plan: ChunkRun["plan"],
  template: GrowingTemplate,
  streams: StreamSegments[],
  ended: boolean,
) =>
  liveManifestFiles({
    ffmpegMaster: template.hls,
    ffmpegMpd: template.dash,
    streams,
    audio: audioTrackNames(plan.info.audioStreams),
    availabilityStartTime: template.availabilityStartTime,
    ended,
    segmentSeconds: plan.ladder.segmentSeconds,
  });

/** A later part of the smallest rung or the audio is done: the growing manifests take it in. */
async function growManifests({ deps, wanted, signal }: Pick<Stage, "deps" | "wanted" | "signal">) {
  await writeGrowing(deps, wanted.run, signal);
}

/**
 * The first chunk's smallest rung and the audio over it are out: the dash muxer writes the
 * manifests (codecs, the audio's sets) from one segment of each, read back (its media is not
 * published: the chunk's and the piece's stay); they become the growing manifests' templates,
 * and the video plays from them.
 */
async function assemblePlayable(stage: Stage): Promise<void> {
  const { deps, job, wanted, dir, out, signal } = stage;
  const { run } = wanted;
  const { plan } = run;
  const scratch = chunkScratchPrefix(run.videoId, run.id);
  // The first audio piece's own frames, as its job stored them: packaged straight from them.
  const audioFrames = await Promise.all(
    plan.info.audioStreams.map(async (_, track) => {
      const name = audioPieceName(0, track);
      await deps.storage.download(`${scratch}${name}`, path.join(dir, name), signal);
      return path.join(dir, name);
    }),
  );
  const smallest = partRungs(plan, "first")[0]!;
  const chunk0 = await readJson<{ streams: ChunkStream[] }>(deps, run, chunkListName("first", 0));
  const video = chunk0.streams[0];
  if (!video) throw new Error(`run ${run.id} has no smallest rung`);
  const sample = path.join(dir, "sample.mp4");
  await deps.storage.download(`${run.prefix}${video.init}`, sample, signal);
  const firstSegment = path.join(dir, "sample-segment.m4s");
  await deps.storage.download(`${run.prefix}${video.segments[0]!.uri}`, firstSegment, signal);
  await appendFile(sample, await readFile(firstSegment));
  await packageChunks(deps.ffmpeg, {
    chunks: [{ file: sample, prerollSeconds: 0 }],
    rungs: [smallest],
    segmentSeconds: plan.ladder.segmentSeconds,
    ...(audioFrames.length > 0
      ? {
          audio: {
            frames: audioFrames,
            streams: plan.info.audioStreams,
            bitrateK: plan.ladder.audioBitrateK,
          },
        }
      : {}),
    outDir: out,
    filePrefix: FIRST_PREFIX,
    workDir: dir,
    signal,
  });
  // A retry of this stage keeps the first attempt's start time: the dynamic MPD's must never change.
  const earlier = await readJson<GrowingTemplate>(deps, run, GROWING_TEMPLATE).catch(() => undefined);
  const template: GrowingTemplate = {
    dash: await readFile(path.join(out, DASH_MANIFEST), "utf8"),
    hls: await readFile(path.join(out, HLS_MASTER), "utf8"),
    availabilityStartTime: earlier?.availabilityStartTime ?? new Date().toISOString(),
  };
  // Stored before the lock is taken: a `grow` that finds it not there yet is listed here.
  await deps.storage.putTexts(scratch, new Map([[GROWING_TEMPLATE, JSON.stringify(template)]]), { signal });
  const done = await writeGrowing(deps, run, signal, template);
  if (!done) return; // gone meanwhile
  // A re-processed video keeps playing its current media until the final publish.
  if (wanted.status === "processing") {
    const withPoster = done.has(units.poster);
    const playableAt = await publishFirstPlayable(deps, job, {
      outDir: out,
      prefix: run.prefix,
      durationMs: plan.durationMs,
      storyboard: null,
      manifests: { dash: LIVE_DASH, hls: LIVE_HLS, declaredBy: DASH_MANIFEST },
      poster: withPoster ? POSTER : null,
    });
    if (playableAt === undefined) return; // the job or the video changed: the runner settles it
    deps.log(`video ${run.videoId} playable: the first chunk of ${plan.chunks.length} published, growing`);
    // The poster done since the lock was read: its job tried to attach it before the video
    // played, so it is attached here (both attach it the same way; the second changes nothing).
    if (!withPoster && (await deps.chunkRuns.doneUnits(run.id)).has(units.poster)) {
      await deps.videos.attachPoster(deps.queue, job, run.prefix, POSTER);
    }
  }
  await finishUnit(deps, job, run, units.playable);
}

/** Each stream's finished media playlist (ffmpeg's names: media_N.m3u8) in `out`. */
async function writeMediaPlaylists(out: string, streams: StreamSegments[], segmentSeconds: number) {
  for (const [i, stream] of streams.entries()) {
    await writeFile(path.join(out, ffmpegMediaPlaylist(i)), vodMediaPlaylistText(stream, segmentSeconds));
  }
}

async function setPresentationDuration(mpd: string, seconds: number) {
  await writeFile(mpd, withPresentationDuration(await readFile(mpd, "utf8"), seconds));
}

/**
 * Everything is out: the growing manifests end, the smallest rung's and the audio's finished
 * manifests (FIRST_DASH, FIRST_HLS) are joined with the other rungs' into the final ones,
 * subtitles rendered, published ready.
 */
async function assembleFinal(stage: Stage): Promise<void> {
  const { deps, job, wanted, out, signal } = stage;
  const { run } = wanted;
  const { plan } = run;
  const template = await readJson<GrowingTemplate>(deps, run, GROWING_TEMPLATE);
  const { streams, thumbs } = await firstStreams(deps, run, plan.chunks.length, plan.audioPieces.length);
  // A player that loaded the growing manifests plays on to the end.
  await putLiveManifests(deps.storage, run.prefix, liveManifests(plan, template, streams, true), {
    ended: true,
    signal,
  });
  await writeFile(
    path.join(out, DASH_MANIFEST),
    withPresentationDuration(template.dash, streamSeconds(streams[0]!)),
  );
  await writeFile(path.join(out, HLS_MASTER), template.hls);
  await writeMediaPlaylists(out, streams, plan.ladder.segmentSeconds);
  await finishFirstManifests(out, plan.info.audioStreams);
  await tileChunkThumbs(stage, thumbs, partRungs(plan, "first")[0]!);
  if (plan.ladder.rungs.length > 1) {
    // The dash muxer's manifests of the rest's chunk 0, every rung's playlist from the chunks' lists.
    const scratch = chunkScratchPrefix(run.videoId, run.id);
    for (const file of [DASH_MANIFEST, HLS_MASTER]) {
      await writeFile(
        path.join(out, file),
        await deps.storage.readText(`${scratch}${partTemplateName("rest", file)}`),
      );
    }
    const rest = joinChunkStreams(
      await Promise.all(
        plan.chunks.map((chunk) =>
          readJson<{ streams: ChunkStream[] }>(deps, run, chunkListName("rest", chunk.index)),
        ),
      ),
    );
    await writeMediaPlaylists(out, rest, plan.ladder.segmentSeconds);
    await setPresentationDuration(path.join(out, DASH_MANIFEST), Math.max(...rest.map(streamSeconds)));
    await joinWithFirst(out);
  } else {
    // One rung: the smallest rung's manifests are the whole ladder.
    await writeFile(path.join(out, DASH_MANIFEST), await readFile(path.join(out, FIRST_DASH), "utf8"));
    await writeFile(path.join(out, HLS_MASTER), await readFile(path.join(out, FIRST_HLS), "utf8"));
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
    // The growing manifests are what the video plays now.
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
