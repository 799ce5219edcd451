/**
 * The cue block size has two sources that must agree: the migrations' `movio_cues_per_block()`
 * (SQL cannot import TypeScript), which the triggers use to build `subtitle_cue_blocks`, and
 * `CUES_PER_BLOCK`, which the search query uses to read a block's cues back. Were they to
 * differ, a phrase's cue check would read the wrong cues and silently miss matches. This test
 * reads the live, migrated database, so a migration changing one side fails here.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { CUES_PER_BLOCK } from "../src/services/search/postgres/search-sql.ts";
import { db } from "./helpers.ts";

describe("cue block size", () => {
  it("movio_cues_per_block() in the database equals CUES_PER_BLOCK", async () => {
    const [row] = await db<{ size: number }>(sql`select movio_cues_per_block() as size`);
    expect(row?.size).toBe(CUES_PER_BLOCK);
  });

  it("no cue-block function spells the size as a literal instead of calling movio_cues_per_block()", async () => {
    // Every function body that splits cues into blocks (idx / n, idx % n, block * n).
    const rows = await db<{ name: string; body: string }>(sql`
      select p.proname as name, pg_get_functiondef(p.oid) as body
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'public' and p.prokind = 'f'
        and p.proname <> 'movio_cues_per_block'
        and pg_get_functiondef(p.oid) ~ 'subtitle_cue_blocks|movio_cues_per_block'`);
    expect(rows.length).toBeGreaterThan(0);
    for (const { name, body } of rows) {
      expect(body, name).not.toMatch(/\bidx\s*[/%]\s*\d+|\bblock\s*(?:\+\s*1\)\s*)?\*\s*\d+/);
    }
  });
});
