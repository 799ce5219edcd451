/**
 * Seeds the search benchmark's catalogue through the real triggers: users, videos (70 %
 * English, 15 % French, 15 % without a language; 90 % public), one subtitle track per video
 * in its language plus a machine track for one in five, and the cues spread over the tracks.
 * Multi-row INSERTs (unnest of arrays, 2,000 rows a statement) on two connections at once.
 * Everything is generated from fixed seeds, so a kept database (BENCH_DATA_DIR) is reused
 * when it already holds the same catalogue, and the phrase sample is the same either way.
 */
import type pg from "pg";
import { type Corpus, prng } from "./search-corpus.ts";

const BATCH = 2_000;
const USERS = 50;

export interface Seeded {
  report: string[];
  /** Pairs of adjacent words from the cues, for phrase queries. */
  phrases: string[];
}

/** A UUID (v4 layout) from the PRNG, so a re-run generates the same ids. */
function uuidFrom(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = "4";
  hex[16] = "89ab"[Math.floor(random() * 4)]!;
  const h = hex.join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

interface Track {
  id: string;
  videoId: string;
  language: string | null;
  origin: "uploaded" | "machine";
}

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

export async function seedCatalogue(
  pool: pg.Pool,
  corpus: Corpus,
  counts: { videos: number; cues: number },
): Promise<Seeded> {
  const draw = corpus.sampler(1);
  const random = prng(2);
  const users = Array.from({ length: USERS }, () => uuidFrom(random));
  const videos = Array.from({ length: counts.videos }, (_, i) => {
    const r = random();
    const language = r < 0.7 ? "en" : r < 0.85 ? "fr" : null;
    const title = draw.text(draw.int(2, 6));
    return {
      id: uuidFrom(random),
      owner: users[i % USERS]!,
      title: title.charAt(0).toUpperCase() + title.slice(1),
      description: draw.text(draw.int(0, 40)),
      language,
      visibility: random() < 0.9 ? "public" : random() < 0.5 ? "unlisted" : "private",
      ageDays: random() * 730,
      durationMs: draw.int(60, 3600) * 1000,
    };
  });
  const tracks: Track[] = [];
  for (const v of videos) {
    tracks.push({ id: uuidFrom(random), videoId: v.id, language: v.language, origin: "uploaded" });
    if (random() < 0.2) {
      const other = v.language === "en" ? "fr" : "en";
      tracks.push({ id: uuidFrom(random), videoId: v.id, language: other, origin: "machine" });
    }
  }
  const weights = tracks.map(() => 0.5 + random());
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const perTrack = weights.map((w) => Math.floor((counts.cues * w) / weightSum));
  perTrack[0]! += counts.cues - perTrack.reduce((a, b) => a + b, 0);

  const { rows } = await pool.query<{ videos: string; cues: string }>(
    "select (select count(*) from videos) as videos, (select count(*) from subtitle_cues) as cues",
  );
  const reuse = Number(rows[0]!.videos) === counts.videos && Number(rows[0]!.cues) === counts.cues;
  const report: string[] = [];
  const phrases: string[] = [];
  const cueBatches = (function* () {
    let batch: [string[], number[], number[], number[], string[]] = [[], [], [], [], []];
    for (const [t, track] of tracks.entries()) {
      for (let idx = 0; idx < perTrack[t]!; idx++) {
        const text = draw.text(draw.int(3, 12));
        if (phrases.length < 400 && random() < 0.002) {
          const words = text.split(" ");
          const at = draw.int(0, words.length - 2);
          phrases.push(`${words[at]} ${words[at + 1]}`);
        }
        batch[0].push(track.id);
        batch[1].push(idx);
        batch[2].push(idx * 3000);
        batch[3].push(idx * 3000 + 2500);
        batch[4].push(text);
        if (batch[0].length === BATCH) {
          yield batch;
          batch = [[], [], [], [], []];
        }
      }
    }
    if (batch[0].length > 0) yield batch;
  })();

  if (reuse) {
    for (const _ of cueBatches); // the same draws, for the same phrases
    report.push(`reused the seeded catalogue: ${counts.videos} videos, ${counts.cues} cues`);
    return { report, phrases };
  }
  if (Number(rows[0]!.videos) > 0)
    throw new Error("the database holds another catalogue: use a fresh BENCH_DATA_DIR");

  await pool.query(
    `insert into users (id, email, password_hash, display_name)
     select id, 'bench-' || n || '@example.com', 'x', 'Bench user ' || n from unnest($1::uuid[]) with ordinality as u(id, n)`,
    [users],
  );
  let started = Date.now();
  for (let i = 0; i < videos.length; i += BATCH) {
    const part = videos.slice(i, i + BATCH);
    await pool.query(
      `insert into videos (id, owner_id, title, description, language, visibility, status, progress,
         duration_ms, storage_prefix, media, created_at, ready_at)
       select id, owner, title, description, language, visibility, 'ready', 100, duration,
         'media/' || id || '/1-bench/',
         '{"dash":"manifest.mpd","hls":"master.m3u8","poster":"poster.jpg"}'::jsonb,
         now() - age_days * interval '1 day', now() - age_days * interval '1 day'
       from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::int[])
         as v(id, owner, title, description, language, visibility, age_days, duration)`,
      [
        part.map((v) => v.id),
        part.map((v) => v.owner),
        part.map((v) => v.title),
        part.map((v) => v.description),
        part.map((v) => v.language),
        part.map((v) => v.visibility),
        part.map((v) => v.ageDays),
        part.map((v) => v.durationMs),
      ],
    );
  }
  report.push(
    `videos: ${videos.length} in ${seconds(started)} s (title and description documents by trigger)`,
  );

  for (let i = 0; i < tracks.length; i += BATCH) {
    const part = tracks.slice(i, i + BATCH);
    await pool.query(
      `insert into subtitle_tracks (id, video_id, language, label, origin, status, cue_count)
       select id, video_id, language, coalesce(language, 'Unknown'), origin, 'ready', 0
       from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) as t(id, video_id, language, origin)`,
      [
        part.map((t) => t.id),
        part.map((t) => t.videoId),
        part.map((t) => t.language),
        part.map((t) => t.origin),
      ],
    );
  }

  started = Date.now();
  let inserted = 0;
  const worker = async () => {
    for (const batch of cueBatches) {
      await pool.query(
        `insert into subtitle_cues (track_id, idx, start_ms, end_ms, text)
         select * from unnest($1::uuid[], $2::int[], $3::int[], $4::int[], $5::text[])`,
        batch,
      );
      inserted += batch[0].length;
      if (inserted % 100_000 < BATCH) process.stdout.write(`\r  cues: ${inserted} (${seconds(started)} s)`);
    }
  };
  await Promise.all([worker(), worker()]);
  process.stdout.write("\n");
  const cueSeconds = (Date.now() - started) / 1000;
  report.push(
    `cues: ${counts.cues} in ${cueSeconds.toFixed(1)} s (${Math.round(counts.cues / cueSeconds)} cues/s, ` +
      `${tracks.length} tracks, 2 connections; triggers and indexes included)`,
  );
  started = Date.now();
  await pool.query("vacuum analyze");
  report.push(`vacuum analyze: ${seconds(started)} s (flushes the GIN pending lists, gathers statistics)`);
  return { report, phrases };
}
