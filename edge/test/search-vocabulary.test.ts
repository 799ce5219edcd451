/**
 * The typo vocabulary (`search_words`) holds only words of public, ready content: whether a
 * misspelling is widened, or a word counts as known, must tell nothing about private videos,
 * unready tracks or unpublished uploads. The last word of a query gets typo alternatives too
 * (added with the hardening work), while keeping its prefix match.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callJson, db, markReady } from "./helpers.ts";
import { ids, q, uniqueWord, video } from "./search-helpers.ts";
import { insertTrack } from "./subtitle-helpers.ts";

/** Two different neighbouring letters in the middle swapped: "lighthouse" → "lighthuose". */
function transposed(word: string): string {
  for (let i = Math.floor(word.length / 2); i < word.length - 1; i++) {
    if (word[i] !== word[i + 1]) return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
  }
  throw new Error(`no letters to swap in ${word}`);
}

/** The word with its last letter changed: a close spelling that is another word. */
const lastLetterChanged = (word: string) => word.slice(0, -1) + (word.at(-1) === "q" ? "x" : "q");

const inVocabulary = async (word: string) =>
  (await db(sql`select 1 from search_words where word = ${word}`)).length > 0;

describe("typo vocabulary: public, ready content only", () => {
  it("never learns a word only in a private video's subtitles, title or description", async () => {
    const secret = uniqueWord();
    const titleWord = uniqueWord();
    const hidden = await video({ title: `Diary ${titleWord}`, visibility: "private" });
    await insertTrack(hidden, { lang: "en", origin: "uploaded" }, [
      { startMs: 0, endMs: 1000, text: `the ${secret} is here` },
    ]);
    expect(await inVocabulary(secret)).toBe(false);
    expect(await inVocabulary(titleWord)).toBe(false);

    // A public video holding a close spelling: the exact word, unknown in public content, is
    // widened to it — just as for any word nobody public wrote. Were the private cue's word
    // "known", the query would not be widened and this would find nothing: the difference is
    // the hint a guesser could read.
    const near = lastLetterChanged(secret);
    const shown = await video({ title: `Logbook ${near}` });
    expect(ids(await q(`${secret} `))).toEqual([shown]);
    expect(ids(await q(secret))).toEqual([shown]);
  });

  it("learns the same word once it is in a public, ready video's ready track", async () => {
    const word = uniqueWord();
    const id = await video({ title: "Harbour" });
    const track = await insertTrack(id, { lang: "en", origin: "uploaded", status: "pending" }, [
      { startMs: 0, endMs: 1000, text: `a ${word} in the fog` },
    ]);
    // An unready track is not searched, so its words are not offered either.
    expect(await inVocabulary(word)).toBe(false);
    expect(ids(await q(`${transposed(word)} `))).toEqual([]);

    await db(sql`update subtitle_tracks set status = 'ready' where id = ${track}`);
    expect(await inVocabulary(word)).toBe(true);
    expect(ids(await q(`${transposed(word)} `))).toEqual([id]);
  });

  it("learns a private video's words when it is made public, an upload's when it is ready", async () => {
    const cueWord = uniqueWord();
    const titleWord = uniqueWord();
    const later = await video({ title: `Notes ${titleWord}`, visibility: "private" });
    await insertTrack(later, { lang: "en", origin: "uploaded" }, [
      { startMs: 0, endMs: 1000, text: `spoken ${cueWord}` },
    ]);
    const unready = await video({ title: `Draft ${uniqueWord()}` }, false);
    const unreadyWord = uniqueWord();
    await db(sql`update videos set description = ${unreadyWord} where id = ${unready}`);
    expect(await inVocabulary(unreadyWord)).toBe(false);

    await db(sql`update videos set visibility = 'public' where id = ${later}`);
    expect(await inVocabulary(cueWord)).toBe(true);
    expect(await inVocabulary(titleWord)).toBe(true);
    expect(ids(await q(`${transposed(cueWord)} `))).toEqual([later]);

    await markReady(unready);
    expect(await inVocabulary(unreadyWord)).toBe(true);
  });

  it("keeps no word of a deleted video once the vocabulary is pruned", async () => {
    const word = uniqueWord();
    const shared = uniqueWord();
    const gone = await video({ title: `Gone ${word} ${shared}` });
    const kept = await video({ title: `Kept ${shared}` });
    expect(await inVocabulary(word)).toBe(true);
    await db(sql`update videos set deleted_at = now() where id = ${gone}`);
    // The prune the farm's maintenance runs (farm/src/search/search-words-prune.ts), over
    // the one-word batches holding these words (the rest of the vocabulary is other tests').
    expect(await inVocabulary(word)).toBe(true);
    for (const w of [word, shared]) {
      await db(sql`select * from movio_prune_search_words(${w.slice(0, -1)}, 1)`);
    }
    expect(await inVocabulary(word)).toBe(false);
    expect(await inVocabulary(shared)).toBe(true);
    expect(ids(await q(`${transposed(shared)} `))).toEqual([kept]);
  });
});

describe("typo vocabulary: words leave when their public holder goes", () => {
  // What the farm's maintenance runs first each pass (farm/src/search/search-words-prune.ts).
  const pruneQueued = () => db(sql`select movio_prune_queued_search_words(100000)`);

  it("drops a video's words at the next prune once it is made private, keeps words others hold", async () => {
    const titleWord = uniqueWord();
    const cueWord = uniqueWord();
    const shared = uniqueWord();
    const id = await video({ title: `Once ${titleWord} ${shared}` });
    const other = await video({ title: `Still ${shared}` });
    await insertTrack(id, { lang: "en", origin: "uploaded" }, [
      { startMs: 0, endMs: 1000, text: `said ${cueWord}` },
    ]);
    expect(await inVocabulary(cueWord)).toBe(true);

    await db(sql`update videos set visibility = 'private' where id = ${id}`);
    await pruneQueued();
    expect(await inVocabulary(titleWord)).toBe(false);
    expect(await inVocabulary(cueWord)).toBe(false);
    expect(await inVocabulary(shared)).toBe(true);
    expect(ids(await q(`${transposed(shared)} `))).toEqual([other]);
  });

  it("drops the words of a deleted ready track, of edited cues and of a deleted video", async () => {
    const trackWord = uniqueWord();
    const editedWord = uniqueWord();
    const videoWord = uniqueWord();
    const id = await video({ title: `Reel ${videoWord}` });
    const track = await insertTrack(id, { lang: "en", origin: "uploaded" }, [
      { startMs: 0, endMs: 1000, text: `one ${trackWord}` },
    ]);
    const other = await insertTrack(id, { lang: "fr", origin: "uploaded" }, [
      { startMs: 0, endMs: 1000, text: `deux ${editedWord}` },
    ]);
    expect(await inVocabulary(trackWord)).toBe(true);
    expect(await inVocabulary(editedWord)).toBe(true);

    await db(sql`delete from subtitle_tracks where id = ${track}`);
    await db(sql`update subtitle_cues set text = 'deux mots' where track_id = ${other}`);
    await pruneQueued();
    expect(await inVocabulary(trackWord)).toBe(false);
    expect(await inVocabulary(editedWord)).toBe(false);
    expect(await inVocabulary(videoWord)).toBe(true);

    await db(sql`delete from videos where id = ${id}`);
    await pruneQueued();
    expect(await inVocabulary(videoWord)).toBe(false);
  });
});

describe("typo alternatives for the last word (search as you type)", () => {
  it("finds a one-word query with two letters swapped, submitted or not", async () => {
    const word = uniqueWord();
    const id = await video({ title: `The ${word} keeper` });
    for (const typed of [transposed(word), `${transposed(word)} `]) {
      const res = await q(typed);
      expect(ids(res), typed).toEqual([id]);
      expect(res.body.hits[0]!.matches).toEqual([
        { field: "title", snippet: `The <mark>${word}</mark> keeper` },
      ]);
    }
  });

  it("keeps the prefix match, and does not widen a word still being typed", async () => {
    const word = uniqueWord();
    const id = await video({ title: `A ${word}` });
    // A neighbour of the prefix typed so far: not offered while some word begins with it.
    const prefix = word.slice(0, 6);
    const neighbour = await video({ title: `B ${lastLetterChanged(prefix)}` });
    expect(new Set(ids(await q(word.slice(0, 4))))).toEqual(new Set([id, neighbour]));
    expect(ids(await q(prefix))).toEqual([id]);
    // Submitted, the same letters are a whole word nobody wrote: widened like any other.
    expect(new Set(ids(await q(`${prefix} `)))).toEqual(new Set([id, neighbour]));
  });

  it("gives the last word of several its alternatives too", async () => {
    const tag = uniqueWord();
    const word = uniqueWord();
    const id = await video({ title: `${tag} ${word}` });
    expect(ids(await q(`${tag} ${transposed(word)}`))).toEqual([id]);
  });

  it("is refused with query_invalid past the limits on terms and phrase words", async () => {
    const tooManyTerms = Array.from({ length: 13 }, (_, i) => `w${i}`).join(" ");
    const ok = await q(Array.from({ length: 12 }, (_, i) => `w${i}`).join(" "));
    expect(ok.status).toBe(200);
    for (const [query, message] of [
      [tooManyTerms, "more than 12 terms"],
      [`"${Array.from({ length: 11 }, (_, i) => `w${i}`).join(" ")}"`, "more than 10 words"],
    ] as const) {
      const res = await callJson<{ error: { code: string; message: string } }>(
        "GET",
        `/api/v1/search?q=${encodeURIComponent(query)}`,
      );
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe("query_invalid");
      expect(res.body.error.message).toContain(message);
    }
  });
});
