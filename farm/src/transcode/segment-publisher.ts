/**
 * Publishes a ladder while its one ffmpeg runs: every segment ffmpeg has finished (its
 * per-stream playlists list only those) is uploaded to its final key under the attempt's
 * prefix, then the growing manifests that list it (farm/src/media/growing-manifests.ts), stored
 * with GROWING_CACHE_CONTROL. Once every stream (each rung, each audio track) has a segment out,
 * `onFirstSegments` runs once (the job publishes the video playable there). `finish`, after
 * ffmpeg exits, publishes the rest and turns the growing manifests into finished ones (HLS
 * `#EXT-X-ENDLIST`, a static MPD), stored immutable.
 *
 * Invariants: each file is uploaded once; a segment is stored before any manifest lists it; a
 * manifest only grows. Everything goes under this attempt's prefix, so a retry (a new prefix)
 * never mixes its segments with a dead attempt's.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { GROWING_CACHE_CONTROL, IMMUTABLE_CACHE_CONTROL } from "../../../shared/storage/content-types.ts";
import type { AudioTrackName } from "../media/audio-manifests.ts";
import {
  ffmpegMediaPlaylist,
  liveManifestFiles,
  parseMediaPlaylist,
  type StreamSegments,
} from "../media/growing-manifests.ts";
import { DASH_MANIFEST, HLS_MASTER } from "../media/published-names.ts";
import type { ObjectStorage } from "../storage/object-storage.ts";

export interface SegmentPublisherInput {
  storage: Pick<ObjectStorage, "putFile" | "putTexts">;
  /** Where ffmpeg writes (its manifest.mpd, master.m3u8, media_N.m3u8 and segments). */
  outDir: string;
  prefix: string;
  /** Streams ffmpeg writes: the rungs, then the audio tracks (their representation ids 0…n-1). */
  streams: number;
  segmentSeconds: number;
  audio: AudioTrackName[];
  /** The growing MPD's availabilityStartTime (ISO): the same in every update. */
  availabilityStartTime: string;
  signal: AbortSignal;
  /** Once every stream has a published segment and the manifests list it. */
  onFirstSegments: () => Promise<void>;
  /** How often ffmpeg's playlists are read until the first segments are out (100 ms). */
  pollMs?: number;
  /**
   * …and after (500 ms): a few times a 2 s segment is enough for the growing manifests, and
   * reading every playlist ten times a second cost the node's Node process ~1 CPU s a minute.
   */
  playingPollMs?: number;
}

export class SegmentPublisher {
  /** Files of outDir stored under the prefix. */
  readonly uploaded = new Set<string>();
  /** Per stream, the segments stored so far (what the growing manifests list). */
  private readonly published: StreamSegments[] = [];
  /** The growing manifests as last stored, by name: an update stores only those that changed. */
  private readonly storedManifests = new Map<string, string>();
  private firstDone = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private failure: unknown;
  /** Callers of `whenCovered`, told after each publish. */
  private readonly coverWaiters: {
    stream: number;
    seconds: number;
    resolve: (segments: StreamSegments | undefined) => void;
  }[] = [];

  constructor(private readonly input: SegmentPublisherInput) {}

  /** Starts watching; `onError` is told if a publish fails (the job stops its encode then). */
  start(onError: (err: unknown) => void): void {
    // A few small playlist reads per poll; every 100 ms of it is time to the first playable.
    const pollMs = this.input.pollMs ?? 100;
    const playingPollMs = this.input.playingPollMs ?? 500;
    this.loop = (async () => {
      while (!this.stopped) {
        try {
          await this.publishNew(false);
        } catch (err) {
          this.failure = err;
          this.stopped = true;
          onError(err);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, this.firstDone ? playingPollMs : pollMs));
      }
    })();
  }

  /** Stops watching (the encode failed or was stopped); what is stored stays consistent. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    this.tellCoverWaiters(true);
  }

  /**
   * The stream's published segments once they reach past `seconds` of the video (or all of
   * them, once the encode ended short of it); undefined when publishing stopped first.
   */
  whenCovered(stream: number, seconds: number): Promise<StreamSegments | undefined> {
    return new Promise((resolve) => {
      this.coverWaiters.push({ stream, seconds, resolve });
      this.tellCoverWaiters(false);
    });
  }

  private tellCoverWaiters(stopped: boolean, ended = false): void {
    for (const waiter of [...this.coverWaiters]) {
      const segments = this.published[waiter.stream];
      const covered = segments?.segments.reduce((sum, s) => sum + s.seconds, 0) ?? 0;
      if (!(ended || stopped || covered > waiter.seconds)) continue;
      this.coverWaiters.splice(this.coverWaiters.indexOf(waiter), 1);
      waiter.resolve(
        stopped && !ended ? undefined : segments && { ...segments, segments: [...segments.segments] },
      );
    }
  }

  /** After ffmpeg exited: publishes the last segments, then the finished manifests. */
  async finish(): Promise<void> {
    this.stopped = true;
    await this.loop;
    try {
      if (this.failure) throw this.failure;
      await this.publishNew(true);
      this.tellCoverWaiters(false, true);
    } finally {
      this.tellCoverWaiters(true);
    }
  }

  /** Whether the first segments were published (the video plays from this prefix). */
  get playable(): boolean {
    return this.firstDone;
  }

  private async publishNew(ended: boolean): Promise<void> {
    const { storage, outDir, prefix, signal } = this.input;
    const lists = await Promise.all(
      Array.from({ length: this.input.streams }, (_, i) =>
        readFile(path.join(outDir, ffmpegMediaPlaylist(i)), "utf8").then(parseMediaPlaylist, () => undefined),
      ),
    );
    if (ended && lists.some((list) => !list)) throw new Error("ffmpeg wrote no playlist for some stream");
    let grew = false;
    await Promise.all(
      lists.map(async (list, i) => {
        if (!list) return;
        const stored = this.published[i] ?? { init: list.init, segments: [] };
        this.published[i] = stored;
        for (const name of [list.init, ...list.segments.slice(stored.segments.length).map((s) => s.uri)]) {
          if (this.uploaded.has(name)) continue;
          await storage.putFile(`${prefix}${name}`, path.join(outDir, name), { signal });
          this.uploaded.add(name);
        }
        if (list.segments.length > stored.segments.length) {
          stored.segments = list.segments.slice();
          grew = true;
        }
      }),
    );
    if (grew) this.tellCoverWaiters(false);
    if (!grew && !ended) return;
    const ready = this.published.filter((s) => s && s.segments.length > 0).length === this.input.streams;
    if (!ready && !ended) return;
    if (!(await this.putManifests(ended))) return;
    if (!this.firstDone && !ended) {
      this.firstDone = true;
      await this.input.onFirstSegments();
    }
  }

  /** False when ffmpeg has not written its own manifests yet (they come with its playlists). */
  private async putManifests(ended: boolean): Promise<boolean> {
    const { outDir, audio } = this.input;
    const read = (name: string) =>
      readFile(path.join(outDir, name), "utf8").catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT" && !ended) return undefined;
        throw err;
      });
    const [master, mpd] = await Promise.all([read(HLS_MASTER), read(DASH_MANIFEST)]);
    if (master === undefined || mpd === undefined) return false;
    await putLiveManifests(
      this.input.storage,
      this.input.prefix,
      liveManifestFiles({
        ffmpegMaster: master,
        ffmpegMpd: mpd,
        streams: this.published,
        audio,
        availabilityStartTime: this.input.availabilityStartTime,
        ended,
        segmentSeconds: this.input.segmentSeconds,
      }),
      { ended, signal: this.input.signal, stored: this.storedManifests },
    );
    return true;
  }
}

/**
 * Stores one update of the growing manifests (growing-manifests.ts' liveManifestFiles): the
 * media playlists before the master and MPD that name them; no-store while they grow,
 * immutable once ended. With `stored` (the texts as last stored, kept by the caller), a
 * growing update skips the files it would store unchanged — the master playlist, and the
 * playlists of streams that did not grow (every update rewrote all of them: the master seven
 * times for a 12 s video); the finished ones are all stored (their Cache-Control changes).
 */
export async function putLiveManifests(
  storage: Pick<ObjectStorage, "putTexts">,
  prefix: string,
  files: { playlists: Map<string, string>; top: Map<string, string> },
  options: { ended: boolean; signal: AbortSignal; stored?: Map<string, string> },
): Promise<void> {
  const cacheControl = options.ended ? IMMUTABLE_CACHE_CONTROL : GROWING_CACHE_CONTROL;
  const { stored } = options;
  const changed = (texts: Map<string, string>) =>
    options.ended || !stored
      ? texts
      : new Map([...texts].filter(([name, text]) => stored.get(name) !== text));
  for (const texts of [changed(files.playlists), changed(files.top)]) {
    await storage.putTexts(prefix, texts, { cacheControl, signal: options.signal });
    for (const [name, text] of texts) stored?.set(name, text);
  }
}
