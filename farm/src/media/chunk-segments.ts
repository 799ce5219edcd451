/**
 * A chunk's CMAF segments moved onto the video's timeline, so a chunk job can publish them to
 * their final keys (farm/src/transcode/encode-chunk-job.ts) and no assembly ever moves them.
 *
 * The dash muxer packages one chunk as if it were a whole video: its segments are numbered
 * from 1 and their decode times start at 0, at the first frame of its warm-up GOP (one
 * segment, dropped here). On the video's timeline, chunk k starts a whole number of segments
 * in (chunk-plan.ts), so its j-th kept segment becomes number k × segments per chunk + j, and
 * every fragment's `tfdt` (baseMediaDecodeTime) and `sidx` (earliest_presentation_time) move by
 * where the chunk's packaged 0 falls on the video's timeline, in the track's timescale.
 * ffmpeg 5.1's dash muxer cannot do either itself (no start number; `-output_ts_offset` only
 * adds an empty edit to the init segment, which would then differ per chunk), so the boxes
 * are rewritten here, in place: both are fixed-size fields, so no offset inside moof changes.
 *
 * The init segment does not depend on where the chunk starts (the same encoder settings on
 * every chunk give the same avcC, and no edit is added): its hash is recorded with the
 * chunk's segment list so the assembly can check that every chunk matches the one published.
 */
import { createHash } from "node:crypto";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { ffmpegMediaPlaylist, parseMediaPlaylist } from "./growing-manifests.ts";

/** One stream's part of a chunk, as its job records it for the assembly. */
export interface ChunkStream {
  /** The stream's init segment name (the same in every chunk) and its bytes' SHA-256. */
  init: string;
  initSha256: string;
  /** The chunk's segments under their final names, in order, with their durations. */
  segments: { uri: string; seconds: number }[];
}

interface Box {
  type: string;
  start: number;
  header: number;
  end: number;
}

function* boxes(data: Buffer, from: number, to: number): Generator<Box> {
  let at = from;
  while (at + 8 <= to) {
    let size = data.readUInt32BE(at);
    let header = 8;
    if (size === 1) {
      size = Number(data.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) size = to - at;
    if (size < header || at + size > to) throw new Error(`malformed MP4 box at byte ${at}`);
    yield { type: data.toString("latin1", at + 4, at + 8), start: at, header, end: at + size };
    at += size;
  }
}

const CONTAINERS = new Set(["moov", "trak", "mdia", "moof", "traf"]);

/** The first box of `type` anywhere in the container tree. */
function findBox(data: Buffer, type: string, from = 0, to = data.length): Box | undefined {
  for (const box of boxes(data, from, to)) {
    if (box.type === type) return box;
    if (CONTAINERS.has(box.type)) {
      const inner = findBox(data, type, box.start + box.header, box.end);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** The media timescale of an init segment's (only) track. */
export function trackTimescale(init: Buffer): number {
  const mdhd = findBox(init, "mdhd");
  if (!mdhd) throw new Error("the init segment has no mdhd");
  const version = init[mdhd.start + 8];
  return init.readUInt32BE(mdhd.start + 8 + 4 + (version === 1 ? 16 : 8));
}

function addTo(data: Buffer, at: number, version: number | undefined, ticks: bigint): void {
  if (version === 1) data.writeBigUInt64BE(data.readBigUInt64BE(at) + ticks, at);
  else {
    const value = BigInt(data.readUInt32BE(at)) + ticks;
    if (value > 0xffffffffn) throw new Error("a 32-bit media time overflows on the video's timeline");
    data.writeUInt32BE(Number(value), at);
  }
}

/**
 * Moves one media segment `ticks` later: every `tfdt` of its fragments and the
 * earliest_presentation_time of its `sidx` boxes. Returns the number of tfdt boxes moved.
 */
export function shiftSegment(data: Buffer, ticks: bigint): number {
  let moved = 0;
  const visit = (from: number, to: number) => {
    for (const box of boxes(data, from, to)) {
      const body = box.start + box.header;
      if (box.type === "moof" || box.type === "traf") visit(body, box.end);
      else if (box.type === "tfdt") {
        addTo(data, body + 4, data[body], ticks);
        moved += 1;
      } else if (box.type === "sidx") {
        // version/flags, reference_ID, timescale, then earliest_presentation_time.
        addTo(data, body + 12, data[body], ticks);
      }
    }
  };
  visit(0, data.length);
  return moved;
}

/** The baseMediaDecodeTime of every fragment of a media segment (its `tfdt` boxes), in order. */
export function fragmentDecodeTimes(data: Buffer): bigint[] {
  const times: bigint[] = [];
  const visit = (from: number, to: number) => {
    for (const box of boxes(data, from, to)) {
      const body = box.start + box.header;
      if (box.type === "moof" || box.type === "traf") visit(body, box.end);
      else if (box.type === "tfdt") {
        times.push(data[body] === 1 ? data.readBigUInt64BE(body + 4) : BigInt(data.readUInt32BE(body + 4)));
      }
    }
  };
  visit(0, data.length);
  return times;
}

/** `seg-…-00001.m4s` renumbered: the number is the last run of digits before the extension. */
export function renumbered(uri: string, offset: number): string {
  const match = /^(.*-)(\d+)(\.m4s)$/.exec(uri);
  if (!match) throw new Error(`unexpected segment name ${uri}`);
  return `${match[1]}${String(Number(match[2]) + offset).padStart(5, "0")}${match[3]}`;
}

/**
 * A packaged file's name with its stream number moved by `offset` (`init-first-0.m4s`,
 * `seg-first-0-00001.m4s`): an audio piece packaged alone has its tracks as streams 0…, where
 * the run's manifests have them after the smallest rung.
 */
export function restreamed(name: string, offset: number): string {
  if (offset === 0) return name;
  const match = /^(init-.*?)(\d+)(\.m4s)$/.exec(name) ?? /^(seg-.*?)(\d+)(-\d+\.m4s)$/.exec(name);
  if (!match) throw new Error(`unexpected packaged file name ${name}`);
  return `${match[1]}${Number(match[2]) + offset}${match[3]}`;
}

/**
 * Copies what ffmpeg packaged for one chunk (`packagedDir`: its media playlists, init and
 * media segments, streams 0…streams-1) into `outDir` under their final names. The chunk was
 * packaged from its first encoded frame, warm-up included: the leading segments that make up
 * `dropSeconds` (the warm-up GOP, one segment) are left out — cutting whole segments of every
 * stream keeps each stream's init segment the same as chunk 0's (a demuxer `inpoint` did not:
 * it cut the rungs differently and gave one an edit). Each kept segment is renumbered by
 * `numberOffset` (its number among the kept ones + that) and moved `startSeconds` later (where
 * the packaged timeline's 0 falls on the video's); its stream number moves by `streamOffset`
 * (an audio piece's tracks). The init segments are copied only when `withInit` (one chunk
 * publishes them). Returns each stream's record and the packaged names
 * of the segments kept.
 */
export async function placeChunkSegments(input: {
  packagedDir: string;
  outDir: string;
  streams: number;
  dropSeconds: number;
  numberOffset: number;
  startSeconds: number;
  streamOffset?: number;
  withInit: boolean;
}): Promise<{ stream: ChunkStream; packaged: string[] }[]> {
  const placed: { stream: ChunkStream; packaged: string[] }[] = [];
  for (let stream = 0; stream < input.streams; stream++) {
    const playlist = await readFile(path.join(input.packagedDir, ffmpegMediaPlaylist(stream)), "utf8");
    const list = parseMediaPlaylist(playlist);
    if (!list) throw new Error(`the chunk's stream ${stream} has no playlist`);
    let dropped = 0;
    let droppedSeconds = 0;
    while (dropped < list.segments.length && droppedSeconds < input.dropSeconds - 1e-3) {
      droppedSeconds += list.segments[dropped]!.seconds;
      dropped += 1;
    }
    if (Math.abs(droppedSeconds - input.dropSeconds) > 1e-3) {
      throw new Error(
        `the chunk's stream ${stream} has no segment boundary after its warm-up (${droppedSeconds} s, not ${input.dropSeconds})`,
      );
    }
    const kept = list.segments.slice(dropped);
    if (kept.length === 0) throw new Error(`the chunk's stream ${stream} has no segments`);
    const init = await readFile(path.join(input.packagedDir, list.init));
    const initName = restreamed(list.init, input.streamOffset ?? 0);
    const ticks = BigInt(Math.round(input.startSeconds * trackTimescale(init)));
    const segments: ChunkStream["segments"] = [];
    for (const segment of kept) {
      const data = await readFile(path.join(input.packagedDir, segment.uri));
      if (shiftSegment(data, ticks) === 0) throw new Error(`segment ${segment.uri} has no tfdt`);
      const uri = renumbered(restreamed(segment.uri, input.streamOffset ?? 0), input.numberOffset - dropped);
      await writeFile(path.join(input.outDir, uri), data);
      segments.push({ uri, seconds: segment.seconds });
    }
    if (input.withInit)
      await copyFile(path.join(input.packagedDir, list.init), path.join(input.outDir, initName));
    placed.push({
      stream: { init: initName, initSha256: createHash("sha256").update(init).digest("hex"), segments },
      packaged: kept.map((segment) => segment.uri),
    });
  }
  return placed;
}
