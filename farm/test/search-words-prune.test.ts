/**
 * The maintenance chore that prunes the typo vocabulary: a word no public, ready document
 * holds any more leaves `search_words` (a deleted video's, a stray one), duplicates are
 * folded, and words still in public content stay — walked in batches with a cursor.
 */
import { afterAll, describe, expect, it } from "vitest";
import { SearchWordsPrune } from "../src/search/search-words-prune.ts";
import { closeDb, db, newVideo } from "./support/farm-env.ts";

const uniqueWord = () =>
  Array.from({ length: 10 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");

const copies = async (word: string) =>
  Number(
    (await db().query<{ n: string }>("select count(*) as n from search_words where word = $1", [word]))
      .rows[0]!.n,
  );

afterAll(async () => {
  await closeDb();
});

describe("search words prune (maintenance)", () => {
  it("drops the words of a deleted video and stray or duplicate rows, keeps public ones", async () => {
    const goneWord = uniqueWord();
    const keptWord = uniqueWord();
    const stray = uniqueWord();
    const gone = await newVideo();
    const kept = await newVideo();
    await db().query("update videos set title = $2, status = 'ready' where id = $1", [
      gone.videoId,
      `Gone ${goneWord}`,
    ]);
    await db().query("update videos set title = $2, status = 'ready' where id = $1", [
      kept.videoId,
      `Kept ${keptWord}`,
    ]);
    expect(await copies(goneWord)).toBe(1);
    // A word nothing public holds (as older versions left behind), and a duplicate row.
    await db().query("insert into search_words (word) values ($1), ($2)", [stray, keptWord]);
    expect(await copies(keptWord)).toBe(2);
    await db().query("delete from videos where id = $1", [gone.videoId]);

    const prune = new SearchWordsPrune(db(), 3);
    expect(await prune.runToEnd()).toBeGreaterThanOrEqual(3);
    expect(await copies(goneWord)).toBe(0);
    expect(await copies(stray)).toBe(0);
    expect(await copies(keptWord)).toBe(1);
    // Nothing left to do: a second walk deletes nothing.
    expect(await prune.runToEnd()).toBe(0);
  });

  it("checks the words queued when a video is made private first, before the walk reaches them", async () => {
    const word = uniqueWord();
    const { videoId } = await newVideo();
    await db().query("update videos set title = $2, status = 'ready' where id = $1", [
      videoId,
      `Soon ${word}`,
    ]);
    expect(await copies(word)).toBe(1);
    await db().query("update videos set visibility = 'private' where id = $1", [videoId]);
    const queued = await db().query("select 1 from search_word_checks where word = $1", [word]);
    expect(queued.rowCount).toBeGreaterThan(0);
    expect(await new SearchWordsPrune(db()).runQueued()).toBeGreaterThanOrEqual(1);
    expect(await copies(word)).toBe(0);
  });

  it("walks the vocabulary a batch per run and starts again after the end", async () => {
    const words = [uniqueWord(), uniqueWord(), uniqueWord()];
    await db().query("insert into search_words (word) select unnest($1::text[])", [words]);
    const total = Number(
      (await db().query<{ n: string }>("select count(distinct word) as n from search_words")).rows[0]!.n,
    );
    const prune = new SearchWordsPrune(db(), 1);
    let runs = 0;
    let deleted = 0;
    // One word a run: the stray words go one by one, and the walk ends after `total` runs.
    do {
      deleted += await prune.run();
      runs++;
    } while (runs < total + 1 && (await Promise.all(words.map(copies))).some((n) => n > 0));
    expect(deleted).toBeGreaterThanOrEqual(3);
    expect(runs).toBeLessThanOrEqual(total);
    for (const w of words) expect(await copies(w)).toBe(0);
  });
});
