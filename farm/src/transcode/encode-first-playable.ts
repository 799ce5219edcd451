/**
 * The ladder in two ffmpeg runs so viewers can start early: first the smallest rung with the
 * audio (fast: a small picture), published on its own manifests as soon as it exists; then the
 * other rungs, video only, whose manifests are joined with the first run's into the final
 * ones. A ladder of one rung is one run (it is its own first playable).
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { nameAudioTracks } from "../media/audio-manifests.ts";
import { type EncodeInput, encodeLadder } from "../media/encode-ladder.ts";
import type { Ffmpeg } from "../media/ffmpeg.ts";
import type { AudioStream } from "../media/inspect.ts";
import { firstAudio, mergeDash, mergeHls, renameFirstPlaylists } from "../media/merge-manifests.ts";
import { DASH_MANIFEST, FIRST_DASH, FIRST_HLS, FIRST_PREFIX, HLS_MASTER } from "../media/published-names.ts";

/** How the first run (and a chunk's smallest rung) decodes the source: see encodeFirstPlayable. */
export const FIRST_RUN_DECODER_OPTIONS = ["-skip_loop_filter", "noref"];

/** Share of the encode's progress the first run stands for (a small picture, but a full decode). */
const FIRST_SHARE = 0.25;

export interface FirstPlayableInput extends EncodeInput {
  /** Called once the first run's files and manifests (FIRST_DASH, FIRST_HLS) are in outDir. */
  onFirstPlayable: () => Promise<void>;
}

export async function encodeFirstPlayable(ffmpeg: Ffmpeg, input: FirstPlayableInput): Promise<void> {
  const { ladder, outDir } = input;
  if (ladder.rungs.length < 2) {
    await encodeLadder(ffmpeg, input);
    await nameAudioTracks(outDir, input.info.audioStreams);
    return;
  }
  const top = ladder.rungs[0]!;
  const displayAspect = `${top.width}/${top.height}`;
  const smallest = ladder.rungs[ladder.rungs.length - 1]!;
  await encodeLadder(ffmpeg, {
    ...input,
    ladder: { ...ladder, rungs: [smallest] },
    // The small picture hides what skipping non-reference frames' deblocking saves (−3 to −4 %
    // of this run, +0.02 dB; skipping it on reference frames too drifts: −2.7 dB).
    decoderOptions: FIRST_RUN_DECODER_OPTIONS,
    filePrefix: FIRST_PREFIX,
    displayAspect,
    onProgress: (f) => input.onProgress?.(f * FIRST_SHARE),
  });
  await finishFirstManifests(outDir, input.info.audioStreams);
  input.signal?.throwIfAborted();
  await input.onFirstPlayable();

  await encodeLadder(ffmpeg, {
    ...input,
    ladder: { ...ladder, rungs: ladder.rungs.slice(0, -1) },
    withAudio: false,
    displayAspect,
    onProgress: (f) => input.onProgress?.(FIRST_SHARE + f * (1 - FIRST_SHARE)),
  });
  await joinWithFirst(outDir);
}

/**
 * The first run's manifests as they are published: audio tracks named, media playlists and
 * manifests renamed (FIRST_DASH, FIRST_HLS) so the rest's packaging cannot overwrite them.
 */
export async function finishFirstManifests(outDir: string, audioStreams: AudioStream[]): Promise<void> {
  await nameAudioTracks(outDir, audioStreams);
  await renameFirstPlaylists(outDir);
  await rename(path.join(outDir, DASH_MANIFEST), path.join(outDir, FIRST_DASH));
  await rename(path.join(outDir, HLS_MASTER), path.join(outDir, FIRST_HLS));
}

/** Joins the first run's manifests (in outDir) with the rest's (DASH_MANIFEST, HLS_MASTER there) into the final ones. */
export async function joinWithFirst(outDir: string): Promise<void> {
  const firstMpd = await readFile(path.join(outDir, FIRST_DASH), "utf8");
  const firstMaster = await readFile(path.join(outDir, FIRST_HLS), "utf8");
  const restMpd = path.join(outDir, DASH_MANIFEST);
  const restMaster = path.join(outDir, HLS_MASTER);
  await writeFile(restMpd, mergeDash(firstMpd, await readFile(restMpd, "utf8")));
  await writeFile(
    restMaster,
    mergeHls(firstMaster, await readFile(restMaster, "utf8"), firstAudio(firstMpd)),
  );
}
