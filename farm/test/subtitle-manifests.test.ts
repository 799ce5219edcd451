/**
 * Subtitle tracks declared in the manifests ffmpeg writes (its dash muxer writes no text
 * tracks): the shapes players read, checked on the output of our own ladder encode.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeLadder } from "../src/media/encode-ladder.ts";
import { Ffmpeg } from "../src/media/ffmpeg.ts";
import { locateMediaTools } from "../src/media/ffmpeg-locate.ts";
import { planLadder } from "../src/media/ladder.ts";
import {
  type ManifestTrack,
  subtitleMediaPlaylist,
  withDashSubtitles,
  withHlsSubtitles,
} from "../src/subtitles/subtitle-manifests.ts";
import { fixtures } from "./support/fixtures.ts";

let mpd = "";
let master = "";

beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "movio-manifests-"));
  const source = path.join(dir, "source.mp4");
  writeFileSync(source, fixtures.landscape(2, "640x360"));
  const out = path.join(dir, "out");
  mkdirSync(out);
  const ladder = planLadder({ width: 640, height: 360, fps: 30 }, 30);
  await encodeLadder(new Ffmpeg(locateMediaTools({})), {
    source,
    outDir: out,
    ladder,
    info: {
      interlaced: false,
      transfer: "sdr",
      audioStreams: [{ index: 1, channels: 2, languageTag: undefined, title: undefined, isDefault: true }],
    },
    loudnessTarget: -16,
    threads: 0,
    durationMs: 2000,
  });
  mpd = readFileSync(path.join(out, "manifest.mpd"), "utf8");
  master = readFileSync(path.join(out, "master.m3u8"), "utf8");
});

const tracks: ManifestTrack[] = [
  {
    lang: "en",
    label: "English",
    kind: "subtitles",
    isDefault: true,
    isForced: false,
    vtt: "subs-a-v1.vtt",
    playlist: "subs-a-v1.m3u8",
  },
  {
    lang: "fr",
    label: 'Français (auto-translated) & "more"',
    kind: "captions",
    isDefault: false,
    isForced: false,
    vtt: "subs-b-v1.vtt",
    playlist: "subs-b-v1.m3u8",
  },
  {
    lang: null,
    label: "Unknown language",
    kind: "subtitles",
    isDefault: false,
    isForced: true,
    vtt: "subs-c-v1.vtt",
    playlist: "subs-c-v1.m3u8",
  },
];

describe("DASH", () => {
  it("adds one text AdaptationSet per track, inside the Period, with lang, role, label and the file", () => {
    const out = withDashSubtitles(mpd, tracks);
    const period = out.slice(out.indexOf("<Period"), out.indexOf("</Period>"));
    const sets = [
      ...period.matchAll(/<AdaptationSet [^>]*contentType="text"[^>]*>([\s\S]*?)<\/AdaptationSet>/g),
    ];
    expect(sets).toHaveLength(3);
    expect(sets[0]![0]).toContain('mimeType="text/vtt" lang="en"');
    expect(sets[0]![1]).toContain('<Role schemeIdUri="urn:mpeg:dash:role:2011" value="subtitle" />');
    expect(sets[0]![1]).toContain('value="main"');
    expect(sets[0]![1]).toContain("<BaseURL>subs-a-v1.vtt</BaseURL>");
    expect(sets[1]![1]).toContain('value="caption"');
    expect(sets[1]![1]).toContain("<Label>Français (auto-translated) &amp; &quot;more&quot;</Label>");
    expect(sets[2]![0]).toContain('lang="und"');
    expect(sets[2]![1]).toContain('value="forced-subtitle"');
    // The video and audio sets ffmpeg wrote are untouched.
    expect(out).toContain(mpd.slice(mpd.indexOf("<AdaptationSet"), mpd.lastIndexOf("</AdaptationSet>")));
    expect(withDashSubtitles(mpd, [])).toBe(mpd);
  });
});

describe("HLS", () => {
  it("declares a SUBTITLES group before the variants and attaches it to every variant", () => {
    const out = withHlsSubtitles(master, tracks).split("\n");
    const media = out.filter((line) => line.startsWith("#EXT-X-MEDIA:TYPE=SUBTITLES"));
    expect(media).toHaveLength(3);
    expect(media[0]).toBe(
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,FORCED=NO,URI="subs-a-v1.m3u8"',
    );
    expect(media[1]).toContain(`NAME="Français (auto-translated) & 'more'"`);
    expect(media[2]).toContain('LANGUAGE="und"');
    const firstVariant = out.findIndex((line) => line.startsWith("#EXT-X-STREAM-INF:"));
    expect(out.findIndex((line) => line.startsWith("#EXT-X-MEDIA:TYPE=SUBTITLES"))).toBeLessThan(
      firstVariant,
    );
    const variants = out.filter((line) => line.startsWith("#EXT-X-STREAM-INF:"));
    expect(variants.length).toBeGreaterThan(0);
    for (const variant of variants) expect(variant).toMatch(/,SUBTITLES="subs",CLOSED-CAPTIONS=NONE$/);
    expect(withHlsSubtitles(master, [])).toBe(master);
  });

  it("gives each track a VOD media playlist holding its one WebVTT file", () => {
    expect(subtitleMediaPlaylist("subs-a-v1.vtt", 61_500)).toBe(
      "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:62\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:61.500,\nsubs-a-v1.vtt\n#EXT-X-ENDLIST\n",
    );
  });
});
