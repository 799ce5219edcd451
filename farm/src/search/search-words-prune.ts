/**
 * A maintenance chore: words leave the typo vocabulary (`search_words`) once no public,
 * ready document holds them any more (a video deleted, made private, re-titled; a track
 * deleted or re-done). Words only ever enter from public content (migrations/0012), so this
 * keeps the vocabulary from growing without end and from remembering what is gone.
 *
 * Each run first checks the words queued when their public holder went (a video made
 * private or deleted, a track removed: `search_word_checks`, filled by triggers), so those
 * leave within one maintenance interval. Then it checks the next batch of the whole
 * vocabulary in index order and remembers where it stopped (what the queue cannot know of:
 * duplicates, words of rows changed outside the triggers), so a large vocabulary is walked
 * over several runs instead of one long statement; after the last word it starts again from
 * the first. Several nodes may run it at once: the queue is taken with SKIP LOCKED, and a
 * delete of a word already deleted deletes nothing.
 */
import type pg from "pg";

/** Words checked per run: each costs two GIN probes (titles + descriptions, cue blocks). */
export const PRUNE_BATCH_WORDS = 2000;

export class SearchWordsPrune {
  private after = "";

  constructor(
    private readonly pool: pg.Pool,
    private readonly batchWords = PRUNE_BATCH_WORDS,
  ) {}

  /** The queued words, then one batch of the walk; returns how many rows it deleted. */
  async run(): Promise<number> {
    return (await this.runQueued()) + (await this.runWalk());
  }

  /** Up to a batch of the words queued by triggers. */
  async runQueued(): Promise<number> {
    const { rows } = await this.pool.query<{ deleted: number }>(
      "select movio_prune_queued_search_words($1) as deleted",
      [this.batchWords],
    );
    return rows[0]?.deleted ?? 0;
  }

  private async runWalk(): Promise<number> {
    const { rows } = await this.pool.query<{ last_word: string | null; deleted: number }>(
      "select last_word, deleted from movio_prune_search_words($1, $2)",
      [this.after, this.batchWords],
    );
    const row = rows[0];
    this.after = row?.last_word ?? "";
    return row?.deleted ?? 0;
  }

  /** Every batch until the vocabulary's end (tests; an operator's one-off clean-up). */
  async runToEnd(): Promise<number> {
    this.after = "";
    let deleted = await this.run();
    while (this.after !== "") deleted += await this.runWalk();
    return deleted;
  }
}
