/** The Algolia record builder (shared/search/algolia-records.ts): what is indexed, and in what sizes. */
import { describe, expect, it } from "vitest";
import {
  buildVideoRecords,
  type CueRecord,
  cueDisplayText,
  RECORD_LIMIT_BYTES,
  recordBytes,
  type VideoRecord,
  type VideoSearchSource,
} from "./algolia-records.ts";

const VIDEO_ID = "0b9f3a52-3c9a-4f7e-9c55-3b8a9b3f0e11";
const TRACK_ID = "5d2f0c8e-7a41-4c3e-9d7b-2f6a1e4b8c90";

function source(overrides: Partial<VideoSearchSource> = {}): VideoSearchSource {
  return {
    id: VIDEO_ID,
    title: "The lighthouse",
    description: "A keeper and the sea",
    language: "en",
    visibility: "public",
    status: "ready",
    deleted: false,
    createdAt: "2026-11-20T10:00:00.000Z",
    durationMs: 600_000,
    ownerDisplayName: "Ada",
    storagePrefix: `media/${VIDEO_ID}/1-abc/`,
    poster: "poster.jpg",
    tracks: [],
    ...overrides,
  };
}

describe("Algolia records", () => {
  it("indexes only public, ready, live videos", () => {
    expect(buildVideoRecords(source())).toHaveLength(1);
    expect(buildVideoRecords(source({ visibility: "unlisted" }))).toEqual([]);
    expect(buildVideoRecords(source({ visibility: "private" }))).toEqual([]);
    expect(buildVideoRecords(source({ status: "processing" }))).toEqual([]);
    expect(buildVideoRecords(source({ deleted: true }))).toEqual([]);
  });

  it("makes one video record with the card, and cue records per track with times and language", () => {
    const records = buildVideoRecords(
      source({
        tracks: [
          {
            id: TRACK_ID,
            language: "pt-BR",
            cues: [
              { startMs: 1000, endMs: 2000, text: "<i>Olá</i> &amp; bem-vindo\nao farol" },
              { startMs: 3000, endMs: 4000, text: "<b></b>" },
              { startMs: 5000, endMs: 6000, text: "a &lt; b" },
            ],
          },
        ],
      }),
    );
    const [video, cues] = records as [VideoRecord, CueRecord];
    expect(video).toMatchObject({
      objectID: VIDEO_ID,
      videoId: VIDEO_ID,
      kind: "video",
      visibility: "public",
      title: "The lighthouse",
      description: "A keeper and the sea",
      createdAtMs: Date.parse("2026-11-20T10:00:00.000Z"),
      card: { title: "The lighthouse", durationMs: 600_000, ownerDisplayName: "Ada", poster: "poster.jpg" },
    });
    expect(cues).toMatchObject({
      objectID: `${VIDEO_ID}:${TRACK_ID}:0`,
      videoId: VIDEO_ID,
      kind: "cues",
      lang: "pt-BR",
      langKey: "pt",
      // Shown as on screen: tags gone, references decoded, lines joined; empty cues left out.
      cues: ["Olá & bem-vindo ao farol", "a < b"],
      times: [
        [1000, 2000],
        [5000, 6000],
      ],
    });
    expect(records).toHaveLength(2);
  });

  it("groups cues under the size budget and keeps every record under Algolia's 10 KB", () => {
    const cues = Array.from({ length: 2000 }, (_, i) => ({
      startMs: i * 1000,
      endMs: i * 1000 + 900,
      text: `Réplica número ${i}: o mar estava calmo e o farol brilhava sobre as rochas — ünïcödé`,
    }));
    const records = buildVideoRecords(source({ tracks: [{ id: TRACK_ID, language: null, cues }] }));
    const cueRecords = records.filter((r): r is CueRecord => r.kind === "cues");
    expect(cueRecords.length).toBeGreaterThan(20);
    expect(cueRecords.flatMap((r) => r.times).map(([start]) => start)).toEqual(cues.map((c) => c.startMs));
    expect(cueRecords.every((r) => r.langKey === undefined && r.lang === null)).toBe(true);
    for (const record of records) {
      expect(recordBytes(record)).toBeLessThan(RECORD_LIMIT_BYTES);
      expect(Buffer.byteLength(JSON.stringify(record))).toBe(recordBytes(record));
    }
    // Deterministic ids: indexing the same state twice replaces the same records.
    expect(buildVideoRecords(source({ tracks: [{ id: TRACK_ID, language: null, cues }] }))).toEqual(records);
  });

  it("keeps what fits of a description or a cue larger than a record", () => {
    const records = buildVideoRecords(
      source({
        description: "漢字".repeat(2500), // 5,000 characters, 15,000 bytes of UTF-8
        tracks: [{ id: TRACK_ID, language: "ja", cues: [{ startMs: 0, endMs: 1, text: "語".repeat(5000) }] }],
      }),
    );
    const [video, cues] = records as [VideoRecord, CueRecord];
    expect(video.description.length).toBeGreaterThan(2000);
    expect(video.description).toBe("漢字".repeat(2500).slice(0, video.description.length));
    expect(cues.cues[0]!.length).toBeGreaterThan(2000);
    for (const record of records) expect(recordBytes(record)).toBeLessThan(RECORD_LIMIT_BYTES);
  });

  it("drops the highlight markers from indexed text, so only the engine can place them", () => {
    expect(cueDisplayText("a\uE000b\uE001c")).toBe("abc");
    const [video] = buildVideoRecords(source({ title: "x\uE000y" })) as [VideoRecord];
    expect(video.title).toBe("xy");
  });
});
