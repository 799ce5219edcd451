/**
 * A video's Algolia records, built from what Postgres says about it (the farm reads it, see
 * farm/src/search/search-source.ts): one record for the video (title, description) and, per
 * ready subtitle track, records of consecutive cues grouped under a size budget. Every record
 * carries `videoId` (distinct groups them back into one hit) and the result card, so a hit
 * found only in the subtitles still shows title, poster, duration and owner. Only a public,
 * ready, not deleted video has records; for any other the list is empty, and the indexer
 * removes whatever the index still holds for it.
 *
 * Sizes are the JSON's UTF-8 bytes, as Algolia counts them. Its limit is 10 KB a record on
 * small plans; cue records aim lower (CUE_RECORD_TARGET_BYTES) because every result page's
 * highlighting has a budget (the engine highlights the first 50,000 characters of a page) and
 * the edge asks for up to DISTINCT_PER_VIDEO records of each video.
 */
import { decodeEntities } from "../subtitles/entities.ts";
import { joinLines, stripTags } from "../subtitles/plain-text.ts";
import { HIGHLIGHT_MARKERS } from "./algolia-settings.ts";

export const RECORD_LIMIT_BYTES = 10_000;
/** Room left under the limit for what Algolia may add or count differently. */
const RECORD_MAX_BYTES = RECORD_LIMIT_BYTES - 500;
export const CUE_RECORD_TARGET_BYTES = 3_000;

export interface SearchSourceCue {
  startMs: number;
  endMs: number;
  /** Cue text as stored (shared/subtitles/cue.ts): `<i>`/`<b>`/`<u>`, `&amp;`-style escapes, line breaks. */
  text: string;
}

export interface SearchSourceTrack {
  id: string;
  language: string | null;
  cues: SearchSourceCue[];
}

/** One video as the index needs it; `tracks` are its ready tracks only. */
export interface VideoSearchSource {
  id: string;
  title: string;
  description: string;
  language: string | null;
  visibility: string;
  status: string;
  deleted: boolean;
  /** ISO 8601. */
  createdAt: string;
  durationMs: number | null;
  ownerDisplayName: string;
  storagePrefix: string | null;
  /** The poster's file name under storagePrefix (the edge signs the URL per request). */
  poster: string | null;
  tracks: SearchSourceTrack[];
}

/** What a result card needs, in every record of the video (not searchable). */
export interface SearchCard {
  title: string;
  durationMs: number | null;
  ownerDisplayName: string;
  createdAt: string;
  storagePrefix: string | null;
  poster: string | null;
}

interface RecordBase {
  objectID: string;
  videoId: string;
  /** Always "public": the edge filters on it too, so a stray record of another kind never shows. */
  visibility: "public";
  createdAtMs: number;
  card: SearchCard;
}

export interface VideoRecord extends RecordBase {
  kind: "video";
  title: string;
  description: string;
  lang: string | null;
}

export interface CueRecord extends RecordBase {
  kind: "cues";
  trackId: string;
  /** The track's language as tagged (`pt-BR`), null when unknown. */
  lang: string | null;
  /** Primary subtag, lower case (`pt`), what `?lang=` filters on; absent when unknown. */
  langKey?: string;
  /** Cue texts as shown on screen, searchable; `times[i]` is `[startMs, endMs]` of `cues[i]`. */
  cues: string[];
  times: [number, number][];
}

export type SearchRecord = VideoRecord | CueRecord;

export function isIndexable(video: Pick<VideoSearchSource, "visibility" | "status" | "deleted">): boolean {
  return video.visibility === "public" && video.status === "ready" && !video.deleted;
}

/** `?lang=` and track languages compare by primary subtag: `pt-BR` is found with `pt`. */
export const languageKey = (tag: string) => tag.split("-")[0]!.toLowerCase();

export function recordBytes(record: SearchRecord): number {
  return utf8Bytes(JSON.stringify(record));
}

export function buildVideoRecords(
  video: VideoSearchSource,
  options: { cueTargetBytes?: number } = {},
): SearchRecord[] {
  if (!isIndexable(video)) return [];
  const target = Math.min(options.cueTargetBytes ?? CUE_RECORD_TARGET_BYTES, RECORD_MAX_BYTES);
  const card: SearchCard = {
    title: video.title,
    durationMs: video.durationMs,
    ownerDisplayName: video.ownerDisplayName,
    createdAt: video.createdAt,
    storagePrefix: video.storagePrefix,
    poster: video.poster,
  };
  const base = {
    videoId: video.id,
    visibility: "public" as const,
    createdAtMs: Date.parse(video.createdAt),
    card,
  };
  const main: VideoRecord = {
    objectID: video.id,
    ...base,
    kind: "video",
    title: clean(video.title),
    description: "",
    lang: video.language,
  };
  // A long description (5,000 characters may be 20 KB of UTF-8) keeps what fits.
  main.description = truncateUtf8(clean(video.description), RECORD_MAX_BYTES - recordBytes(main));
  const records: SearchRecord[] = [main];
  for (const track of video.tracks) records.push(...cueRecords(track, base, target));
  for (const record of records) {
    if (recordBytes(record) > RECORD_MAX_BYTES) {
      throw new Error(`search record ${record.objectID} is ${recordBytes(record)} bytes, over the limit`);
    }
  }
  return records;
}

function cueRecords(
  track: SearchSourceTrack,
  base: Omit<RecordBase, "objectID">,
  targetBytes: number,
): CueRecord[] {
  const records: CueRecord[] = [];
  const start = (): CueRecord => ({
    objectID: `${base.videoId}:${track.id}:${records.length}`,
    ...base,
    kind: "cues",
    trackId: track.id,
    lang: track.language,
    ...(track.language ? { langKey: languageKey(track.language) } : {}),
    cues: [],
    times: [],
  });
  let current = start();
  let size = recordBytes(current);
  for (const cue of track.cues) {
    let text = cueDisplayText(cue.text);
    if (text === "") continue;
    const times: [number, number] = [cue.startMs, cue.endMs];
    // One array element more: its JSON and a comma, in each of the two arrays.
    const timesBytes = JSON.stringify(times).length + 1;
    let entry = utf8Bytes(JSON.stringify(text)) + 1 + timesBytes;
    if (current.cues.length > 0 && size + entry > targetBytes) {
      records.push(current);
      current = start();
      size = recordBytes(current);
    }
    if (size + entry > RECORD_MAX_BYTES) {
      // A single cue longer than a whole record (hardly a subtitle): its start is kept.
      text = truncateUtf8(text, RECORD_MAX_BYTES - size - timesBytes - 8);
      entry = utf8Bytes(JSON.stringify(text)) + 1 + timesBytes;
    }
    current.cues.push(text);
    current.times.push(times);
    size += entry;
  }
  if (current.cues.length > 0) records.push(current);
  return records;
}

/**
 * Cue text as a viewer reads it: tags gone (stored cue text keeps only `<i>`, `<b>`, `<u>`;
 * a literal `<` is stored as `&lt;`), character references decoded, lines joined.
 */
export function cueDisplayText(text: string): string {
  // Scans, not regexes: linear on any text (shared/subtitles/plain-text.ts).
  return clean(joinLines(decodeEntities(stripTags(text)))).trim();
}

/** The highlight markers can only come from the engine: indexed text never holds them. */
const clean = (text: string) => text.replace(HIGHLIGHT_MARKERS, "");

const encoder = new TextEncoder();
const utf8Bytes = (text: string) => encoder.encode(text).length;

/** The longest prefix of `text` whose JSON string takes at most `maxBytes`, cut between code points. */
function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Bytes(JSON.stringify(text)) <= maxBytes) return text;
  const chars = [...text];
  let low = 0;
  let high = chars.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (utf8Bytes(JSON.stringify(chars.slice(0, mid).join(""))) <= maxBytes) low = mid;
    else high = mid - 1;
  }
  return chars.slice(0, low).join("");
}
