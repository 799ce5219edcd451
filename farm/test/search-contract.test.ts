/**
 * One contract for both search providers: the same cases run against Postgres full
 * text and against Algolia — the real `algoliasearch` client on both sides, pointed at a
 * stand-in on loopback. The edge's services answer (run in Node over Neon's HTTP protocol, see
 * support/search-world.ts); a real farm node runs the jobs every change queues. Postgres shows
 * a change at once; Algolia once the video's index_video job has run (`caughtUp`). What only
 * Algolia has (its rebuild script, a failed write retried) is in search-algolia.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SearchResult } from "../../edge/src/services/search/search-provider.ts";
import { recordBytes, type SearchRecord } from "../../shared/search/algolia-records.ts";
import { algoliaAdminClient } from "../src/search/algolia-client.ts";
import { SearchIndexer } from "../src/search/search-indexer.ts";
import { AlgoliaStandIn } from "./support/algolia-stand-in.ts";
import { closeDb, db, farmConfig } from "./support/farm-env.ts";
import {
  algoliaEnv,
  CDN,
  closeSqlBridge,
  newOwner,
  readyVideo,
  type SearchWorld,
  search,
  startSearchWorld,
  uniqueWord,
  uploadTrack,
} from "./support/search-world.ts";

let standIn: AlgoliaStandIn;
const indexName = `movio_test_${uniqueWord()}`;

beforeAll(async () => {
  standIn = await AlgoliaStandIn.start();
});

afterAll(async () => {
  await standIn?.close();
  await closeSqlBridge();
  await closeDb();
});

const PROVIDERS = {
  postgres: () => ({ SEARCH_PROVIDER: "postgres" }),
  algolia: () => algoliaEnv(standIn, indexName),
};

const ids = (result: SearchResult) => result.hits.map((hit) => hit.video.id);

/** A typo in the middle of a word: two different neighbouring letters swapped. */
function transposed(word: string): string {
  const i = [...word].findIndex((c, k) => k > 0 && c !== word[k + 1] && k + 1 < word.length);
  return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
}

describe.each(Object.keys(PROVIDERS) as (keyof typeof PROVIDERS)[])("search contract: %s", (provider) => {
  const algolia = provider === "algolia";
  let world: SearchWorld;
  let owner: Awaited<ReturnType<typeof newOwner>>;
  const touched: string[] = [];

  beforeAll(async () => {
    const env = PROVIDERS[provider]();
    world = await startSearchWorld(env);
    // What `npm run search:setup` does.
    if (algolia)
      await new SearchIndexer(db(), algoliaAdminClient(farmConfig(env)), indexName).applySettings();
    owner = await newOwner("Ada Search");
  });

  afterAll(async () => {
    await world?.close();
  });

  // Every test leaves the farm idle, so the next one starts from a settled index.
  afterEach(async () => {
    await world.settle(touched.splice(0));
  });

  const video = async (spec: Parameters<typeof readyVideo>[2]) => {
    const id = await readyVideo(world, owner, spec);
    touched.push(id);
    return id;
  };
  /** Set-up done: wait until the farm has published and (Algolia) indexed it. */
  const indexed = (...videoIds: string[]) => world.settle(videoIds);
  /** After a change: Postgres shows it at once, Algolia once the video's jobs ran. */
  const caughtUp = async (...videoIds: string[]) => {
    if (algolia) await world.settle(videoIds);
  };
  const recordsOf = (videoId: string) =>
    standIn.records(indexName).filter((r) => r.videoId === videoId) as unknown as SearchRecord[];

  it("finds a word spoken in a subtitle, with the cue's times and language, on a result card", async () => {
    const tag = uniqueWord();
    const id = await video({ title: "Documentary", description: "About the coast" });
    await uploadTrack(world, owner, id, "en", [
      { startMs: 1000, endMs: 2500, text: "We walked along the shore" },
      { startMs: 61_000, endMs: 63_500, text: `The <i>lighthouse</i> ${tag} was dark` },
    ]);
    await indexed(id);
    const result = await search(world, tag);
    expect(ids(result)).toEqual([id]);
    const hit = result.hits[0]!;
    expect(hit.video).toMatchObject({
      id,
      title: "Documentary",
      durationMs: 4 * 3600_000,
      ownerDisplayName: "Ada Search",
    });
    expect(Date.parse(hit.video.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(hit.matches).toEqual([
      {
        field: "subtitle",
        snippet: `The lighthouse <mark>${tag}</mark> was dark`,
        startMs: 61_000,
        endMs: 63_500,
        lang: "en",
      },
    ]);
    expect(result.nextCursor).toBeNull();
    expect(typeof result.tookMs).toBe("number");
    // The poster is signed for the video's directory, like the catalog's cards.
    expect(hit.video.posterUrl).toMatch(new RegExp(`^${CDN}/media/${id}/1-search/poster\\.jpg\\?md5=`));
    if (algolia) {
      // The edge searches with the search-only key; only the farm writes, with the admin key.
      const queries = standIn.requests.filter((r) => r.path.endsWith("/query"));
      expect(queries.length).toBeGreaterThan(0);
      expect(queries.every((r) => r.key === "search")).toBe(true);
      expect(standIn.writes.every((r) => r.key === "admin")).toBe(true);
    }
  });

  it("finds it with a typo in a word of 5+ letters, not in a shorter one", async () => {
    const tag = uniqueWord();
    const id = await video({ title: "Harbour stories" });
    await uploadTrack(world, owner, id, "en", [
      { startMs: 5000, endMs: 7000, text: `the ${tag} keeper` },
      { startMs: 9000, endMs: 9500, text: "a cat sat" },
    ]);
    await indexed(id);
    const result = await search(world, `${transposed(tag)} `);
    expect(ids(result)).toEqual([id]);
    expect(result.hits[0]!.matches).toEqual([
      expect.objectContaining({
        field: "subtitle",
        startMs: 5000,
        snippet: `the <mark>${tag}</mark> keeper`,
      }),
    ]);
    expect(ids(await search(world, `${tag} cta `))).toEqual([]);
  });

  it("finds a typo in the last word as typed (no space after it), and keeps its prefix match", async () => {
    const tag = uniqueWord();
    const id = await video({ title: `Lighthouse ${tag}` });
    await indexed(id);
    expect(ids(await search(world, transposed(tag)))).toEqual([id]);
    expect(ids(await search(world, tag.slice(0, 4)))).toContain(id);
  });

  it("ranks title over description over subtitles, newer first on ties", async () => {
    const tag = uniqueWord();
    const subtitle = await video({ title: "s" }); // the newest, still last
    await uploadTrack(world, owner, subtitle, "en", [{ startMs: 0, endMs: 1000, text: `said ${tag}` }]);
    const description = await video({ title: "d", description: `about ${tag}`, ageDays: 1 });
    const titleOld = await video({ title: `The ${tag}`, ageDays: 3 });
    const titleNew = await video({ title: `A ${tag}`, ageDays: 2 });
    await indexed(subtitle, description, titleOld, titleNew);
    expect(ids(await search(world, tag))).toEqual([titleNew, titleOld, description, subtitle]);
  });

  it("never finds unlisted or private videos, nor their subtitles", async () => {
    const tag = uniqueWord();
    const shown = await video({ title: `Shown ${tag}` });
    const hidden = [
      await video({ title: `Private ${tag}`, visibility: "private" }),
      await video({ title: `Unlisted ${tag}`, visibility: "unlisted" }),
    ];
    for (const id of hidden) {
      await uploadTrack(world, owner, id, "en", [{ startMs: 0, endMs: 1000, text: `spoken ${tag}` }]);
    }
    await indexed(shown, ...hidden);
    expect(ids(await search(world, tag))).toEqual([shown]);
    if (algolia) for (const id of hidden) expect(recordsOf(id)).toEqual([]);
  });

  it("stops finding a deleted video, a deleted track and a video made private", async () => {
    const tag = uniqueWord();
    const deleted = await video({ title: `Deleted ${tag}` });
    const withTrack = await video({ title: "Track goes" });
    await uploadTrack(world, owner, withTrack, "en", [{ startMs: 0, endMs: 1000, text: `spoken ${tag}` }]);
    const madePrivate = await video({ title: `Private later ${tag}` });
    const kept = await video({ title: `Kept ${tag}` });
    await indexed(deleted, withTrack, madePrivate, kept);
    expect(new Set(ids(await search(world, tag)))).toEqual(new Set([deleted, withTrack, madePrivate, kept]));

    await world.videos.remove(deleted, owner);
    await world.subtitles.remove(withTrack, "en", undefined, owner);
    await world.videos.update(madePrivate, owner, { visibility: "private" });
    await caughtUp(deleted, withTrack, madePrivate);
    expect(ids(await search(world, tag))).toEqual([kept]);
    if (algolia) {
      expect(recordsOf(deleted)).toEqual([]);
      expect(recordsOf(madePrivate)).toEqual([]);
      expect(recordsOf(withTrack).map((r) => r.kind)).toEqual(["video"]);
    }
  });

  it("follows an edit of the title", async () => {
    const before = uniqueWord();
    const after = uniqueWord();
    const id = await video({ title: `Old ${before}` });
    await indexed(id);
    await world.videos.update(id, owner, { title: `New ${after}` });
    await caughtUp(id);
    expect(ids(await search(world, before))).toEqual([]);
    const result = await search(world, after);
    expect(ids(result)).toEqual([id]);
    expect(result.hits[0]!.video.title).toBe(`New ${after}`);
    expect(result.hits[0]!.matches).toEqual([{ field: "title", snippet: `New <mark>${after}</mark>` }]);
  });

  it("splits a long track into records under 10 KB, and still gives one hit per video", async () => {
    const tag = uniqueWord();
    const last = uniqueWord();
    const filler = "and then the tide came in over the long grey stones of the old harbour wall";
    const cues = Array.from({ length: 600 }, (_, i) => ({
      startMs: i * 2000,
      endMs: i * 2000 + 1500,
      text: `${i}: ${filler}${[5, 300, 590].includes(i) ? ` ${tag}` : ""}${i === 599 ? ` ${last}` : ""}`,
    }));
    const id = await video({ title: "A very long film" });
    await uploadTrack(world, owner, id, "en", cues);
    await indexed(id);

    const result = await search(world, tag);
    expect(ids(result)).toEqual([id]);
    const found = result.hits[0]!.matches;
    expect(found.length).toBeGreaterThanOrEqual(1);
    expect(found.length).toBeLessThanOrEqual(3);
    for (const match of found) {
      expect(match.field).toBe("subtitle");
      expect([5, 300, 590].map((i) => i * 2000)).toContain(match.startMs);
      expect(match.snippet).toContain(`<mark>${tag}</mark>`);
    }
    const end = await search(world, last);
    expect(end.hits[0]!.matches).toEqual([
      expect.objectContaining({ startMs: 599 * 2000, endMs: 599 * 2000 + 1500 }),
    ]);

    if (algolia) {
      const records = recordsOf(id);
      expect(records.filter((r) => r.kind === "cues").length).toBeGreaterThan(5);
      for (const record of records) {
        expect(recordBytes(record)).toBeLessThan(10_000);
        expect(Buffer.byteLength(JSON.stringify(record))).toBeLessThan(10_000);
      }
      const allCues = records.flatMap((r) => (r.kind === "cues" ? r.times : []));
      expect(allCues).toHaveLength(600);
    }
  });

  it("narrows subtitle matches to ?lang=, titles still searched", async () => {
    const tag = uniqueWord();
    const id = await video({ title: `Bilingual ${tag}` });
    await uploadTrack(world, owner, id, "fr", [{ startMs: 0, endMs: 1000, text: `le phare ${tag}` }]);
    await uploadTrack(world, owner, id, "de", [{ startMs: 0, endMs: 1000, text: `der Leuchtturm ${tag}` }]);
    await indexed(id);
    const all = await search(world, `${tag} phare`);
    expect(all.hits[0]!.matches.filter((m) => m.field === "subtitle").map((m) => m.lang)).toEqual(["fr"]);
    expect(ids(await search(world, `${tag} phare`, { lang: "de" }))).toEqual([]);
    const german = await search(world, tag, { lang: "de" });
    expect(ids(german)).toEqual([id]);
    expect(german.hits[0]!.matches.filter((m) => m.field === "subtitle").map((m) => m.lang)).toEqual(["de"]);
  });

  it("escapes snippets: only <mark> is HTML", async () => {
    const tag = uniqueWord();
    const id = await video({
      title: `<b>bold</b> & "quoted" ${tag}`,
      description: `Fish & <chips> with ${tag} and 'sauce' tonight`,
    });
    await uploadTrack(world, owner, id, "en", [
      { startMs: 0, endMs: 1000, text: `if a < b & c then ${tag}` },
    ]);
    await indexed(id);
    const check = async () => {
      const [title, description, cue] = (await search(world, tag)).hits[0]!.matches;
      expect(title).toEqual({
        field: "title",
        snippet: `&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; <mark>${tag}</mark>`,
      });
      expect(description!.field).toBe("description");
      expect(description!.snippet).toContain(
        `Fish &amp; &lt;chips&gt; with <mark>${tag}</mark> and &#39;sauce&#39; tonight`,
      );
      expect(cue).toMatchObject({
        field: "subtitle",
        snippet: `if a &lt; b &amp; c then <mark>${tag}</mark>`,
      });
    };
    await check();
    if (algolia) {
      // Whichever way the engine treats highlighted values, the edge escapes once.
      standIn.escapeHighlights = true;
      try {
        await check();
      } finally {
        standIn.escapeHighlights = false;
      }
    }
  });

  it("pages with a cursor that neither repeats nor skips; refuses bad queries and cursors", async () => {
    const tag = uniqueWord();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push(await video({ title: `Episode ${i} ${tag}`, ageDays: i }));
    await indexed(...made);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const result = await search(world, tag, { limit: 2, cursor });
      seen.push(...ids(result));
      if (result.nextCursor === null) break;
      cursor = result.nextCursor;
    }
    expect(seen).toEqual(made);
    await expect(search(world, tag, { cursor: "not-a-cursor" })).rejects.toMatchObject({
      code: "invalid_cursor",
    });
    await expect(search(world, "  ")).rejects.toMatchObject({ code: "query_invalid" });
    await expect(search(world, "x".repeat(201))).rejects.toMatchObject({ code: "query_invalid" });
  });
});
