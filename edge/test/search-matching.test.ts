/**
 * Search semantics beyond single words: words spread over a title and its description,
 * cue-by-cue subtitle matching, exclusions, and prefixes of words as written.
 */

import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callJson, createVideo, db, signUp } from "./helpers.ts";
import { ids, q, uniqueWord, video } from "./search-helpers.ts";
import { insertTrack } from "./subtitle-helpers.ts";

describe("GET /api/v1/search matching", () => {
  it("matches words spread over the title and the description, marking each field's own", async () => {
    const tag = uniqueWord();
    const id = await video({ title: `Lighthouse ${tag}`, description: "Life with the keeper, all winter." });
    const res = await q(`lighthouse keeper ${tag} `);
    expect(ids(res)).toEqual([id]);
    expect(res.body.hits[0]!.matches).toEqual([
      { field: "title", snippet: `<mark>Lighthouse</mark> <mark>${tag}</mark>` },
      { field: "description", snippet: "Life with the <mark>keeper</mark>, all winter" },
    ]);
    // A word in neither field still fails the query.
    expect(ids(await q(`lighthouse keeper harbour ${tag} `))).toEqual([]);
  });

  it("matches subtitles cue by cue: a query's words must share one cue", async () => {
    const tag = uniqueWord();
    const id = await video({ title: "Coastline" });
    await insertTrack(id, { lang: "en", origin: "uploaded" }, [
      { startMs: 0, endMs: 1000, text: `the lighthouse ${tag}` },
      { startMs: 2000, endMs: 3000, text: "its keeper" },
    ]);
    expect(ids(await q(`${tag} keeper `))).toEqual([]);
    expect(ids(await q(`${tag} lighthouse `))).toEqual([id]);
    // nor do a title word and a cue word make a match together
    expect(ids(await q(`coastline ${tag} `))).toEqual([]);
  });

  it("excludes a video whose title or description holds an excluded word; a cue holding one is no match", async () => {
    const tag = uniqueWord();
    const stormyTitle = await video({ title: `Storm warning ${tag}` });
    const stormyDesc = await video({ title: `Calm ${tag}`, description: "then a storm" });
    const subs = await video({ title: "Harbour log" });
    await insertTrack(subs, { lang: "en", origin: "uploaded" }, [
      { startMs: 0, endMs: 1000, text: `${tag} and a storm` },
      { startMs: 5000, endMs: 6000, text: `${tag} in the calm` },
    ]);
    await insertTrack(stormyTitle, { lang: "en", origin: "uploaded" }, [
      { startMs: 0, endMs: 1000, text: `${tag} calm seas` },
    ]);
    expect(ids(await q(tag)).sort()).toEqual([stormyTitle, stormyDesc, subs].sort());
    // subs by its first cue only; stormyTitle by its title (its cue is no longer needed)
    expect(ids(await q(`${tag} -calm`)).sort()).toEqual([stormyTitle, subs].sort());
    const res = await q(`${tag} -storm`);
    // stormyTitle's calm cue does not bring it back: its title holds the excluded word
    expect(ids(res)).toEqual([subs]);
    expect(res.body.hits[0]!.matches).toEqual([
      {
        field: "subtitle",
        snippet: `<mark>${tag}</mark> in the calm`,
        startMs: 5000,
        endMs: 6000,
        lang: "en",
      },
    ]);
  });

  it("ranks words spread over title and description as both fields", async () => {
    const tag = uniqueWord();
    const titleOnly = await video({ title: `${tag} beacon` });
    const both = await video({ title: tag, description: "a beacon" });
    await db(sql`update videos set created_at = now() - interval '1 day' where id = ${both}`);
    expect(ids(await q(`${tag} beacon `))).toEqual([both, titleOnly]);
  });

  it("matches the last word as a prefix of words as written, not only of their stems", async () => {
    const tag = uniqueWord();
    const en = await video({ title: `Running dogs ${tag}`, language: "en" });
    const fr = await video({ title: `Rouler rapidement ${tag}`, language: "fr" });
    const cue = await video({ title: "Trail" });
    await insertTrack(cue, { lang: "en", origin: "uploaded" }, [
      { startMs: 0, endMs: 1000, text: `${tag} they were running` },
    ]);
    // "running" is stemmed to "run", "rapidement" to "rapid": neither stem begins with the prefix
    const res = await q(`${tag} runn`);
    expect(ids(res).sort()).toEqual([en, cue].sort());
    expect(res.body.hits.find((h) => h.video.id === en)!.matches[0]!.snippet).toBe(
      `<mark>Running</mark> dogs <mark>${tag}</mark>`,
    );
    expect(res.body.hits.find((h) => h.video.id === cue)!.matches[0]!.snippet).toBe(
      `<mark>${tag}</mark> they were <mark>running</mark>`,
    );
    const french = await q(`${tag} rapidem`);
    expect(ids(french)).toEqual([fr]);
    expect(french.body.hits[0]!.matches[0]!.snippet).toBe(
      `Rouler <mark>rapidement</mark> <mark>${tag}</mark>`,
    );
    // whole words still match by stem: "runs" finds "Running" and "running"
    expect(ids(await q(`${tag} runs `)).sort()).toEqual([en, cue].sort());
    // a prefix that is a stop word in the video's language still matches words it begins,
    // but not the language's stop words ("they" in the cue above)
    const the = await video({ title: `Theatre ${tag}`, language: "en" });
    expect(ids(await q(`${tag} the`))).toEqual([the]);
  });
});

describe("GET /api/v1/me/videos?q= matching", () => {
  it("uses the same semantics as the public search", async () => {
    const tag = uniqueWord();
    const me = await signUp();
    const mine = async (body: Record<string, unknown>) =>
      (await createVideo(me.accessToken, { visibility: "private", ...body })).video.id;
    const spread = await mine({ title: `Lighthouse ${tag}`, description: "the keeper", language: "en" });
    const stormy = await mine({ title: `Keeper ${tag}`, description: "a storm" });
    const cues = await mine({ title: "Draft" });
    await insertTrack(cues, { lang: "en", origin: "uploaded", status: "pending" }, [
      { startMs: 0, endMs: 1, text: `${tag} the keeper was running` },
      { startMs: 2, endMs: 3, text: `${tag} lighthouse` },
    ]);
    const find = async (text: string) => {
      const res = await callJson<{ items: { id: string }[] }>(
        "GET",
        `/api/v1/me/videos?q=${encodeURIComponent(text)}`,
        { token: me.accessToken },
      );
      expect(res.status).toBe(200);
      return res.body.items.map((v) => v.id).sort();
    };
    expect(await find(`${tag} keeper `)).toEqual([spread, stormy, cues].sort());
    expect(await find(`${tag} lighthouse keeper `)).toEqual([spread]); // cues: not in one cue
    expect(await find(`${tag} keeper -storm `)).toEqual([spread, cues].sort());
    expect(await find(`${tag} keeper runn`)).toEqual([cues]);
  });
});

describe("GET /api/v1/search phrases in subtitles", () => {
  it("finds a phrase in one cue, in its order, stop words and all", async () => {
    const tag = uniqueWord();
    const id = await video({ title: "Harbour film" });
    await insertTrack(id, { lang: "en", origin: "uploaded" }, [
      { startMs: 0, endMs: 1000, text: `${tag}: the harbour, then the storm` },
      { startMs: 2000, endMs: 3000, text: `${tag}: a storm over the harbour` },
      { startMs: 4000, endMs: 5000, text: `${tag}: storms over the harbours tonight` },
    ]);
    const res = await q(`${tag} "storm over the harbour"`);
    expect(res.body.hits[0]!.matches.map((m) => m.startMs).sort()).toEqual([2000, 4000]); // stems
    expect(ids(await q(`${tag} "harbour storm"`))).toEqual([]);
    const excluded = await q(`${tag} "storm over the harbour" -tonight`);
    expect(excluded.body.hits[0]!.matches.map((m) => m.startMs)).toEqual([2000]);
  });
});

describe("GET /api/v1/search in long subtitle tracks", () => {
  it("finds a cue anywhere in a track, follows cue edits and deletions, never joins two cues", async () => {
    const tag = uniqueWord();
    const id = await video({ title: "Long film" });
    const track = await insertTrack(id, { lang: "en", origin: "uploaded" });
    // 200 cues (search indexes them in blocks of 64): the tag beside "harbour" in cue 150,
    // "storm" alone in cues 10 and 140
    await db(sql`insert into subtitle_cues (track_id, idx, start_ms, end_ms, text)
      select ${track}::uuid, i, i * 1000, i * 1000 + 900,
        case i when 150 then ${`harbour ${tag}`} when 10 then 'storm' when 140 then 'storm' else 'line ' || i end
      from generate_series(0, 199) as i`);
    const found = await q(`${tag} harbour `);
    expect(ids(found)).toEqual([id]);
    expect(found.body.hits[0]!.matches).toEqual([
      {
        field: "subtitle",
        snippet: `<mark>harbour</mark> <mark>${tag}</mark>`,
        startMs: 150000,
        endMs: 150900,
        lang: "en",
      },
    ]);
    expect(ids(await q(`${tag} storm `))).toEqual([]);

    await db(sql`update subtitle_cues set text = ${`storm ${tag}`} where track_id = ${track} and idx = 10`);
    const edited = await q(`"storm ${tag}"`);
    expect(edited.body.hits[0]!.matches.map((m) => m.startMs)).toEqual([10000]);
    expect(ids(await q(`"${tag} storm"`))).toEqual([]); // a phrase keeps its order

    await db(sql`delete from subtitle_cues where track_id = ${track} and idx = 150`);
    expect(ids(await q(`${tag} harbour `))).toEqual([]);
    expect(ids(await q(`${tag} `))).toEqual([id]); // cue 10 still holds it
  });
});
