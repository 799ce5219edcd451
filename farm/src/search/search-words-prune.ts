/**
 * A maintenance chore: words leave the typo vocabulary (`search_words`) once no public,
 * ready document holds them any more (a video deleted, made private, re-titled; a track
 * deleted or re-done). Words only ever enter from public content (migrations/0012), so this
 * keeps the vocabulary from growing without end and from remembering what is gone.
 *
 * Each run checks the next batch of words in index order and remembers where it stopped, so
 * a large vocabulary is walked over several runs instead of one long statement; after the
 * last word it starts again from the first. Several nodes may run it at once: a delete of a
 * word already deleted deletes nothing.
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

  /** One batch; returns how many rows it deleted. */
  async run(): Promise<number> {
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
    while (this.after !== "") deleted += await this.run();
    return deleted;
  }
}
