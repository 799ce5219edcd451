ALTER TABLE "subtitle_cue_blocks" ADD COLUMN "pairs" "tsvector" DEFAULT ''::tsvector NOT NULL;--> statement-breakpoint
CREATE INDEX "subtitle_cue_blocks_pairs_idx" ON "subtitle_cue_blocks" USING gin ("pairs");--> statement-breakpoint
--> statement-breakpoint
-- Hand-written below: blocks also list, per cue, each pair of consecutive stemmed words
-- (weight A: the stemmed copy, in position order, stop words already left out), so a phrase
-- query finds the blocks holding its pairs from an index, not by reading every cue of every
-- block that holds its words somewhere. A pair is stored as a 4-hex-digit hash: 65,536 index
-- keys instead of one per distinct pair in the catalogue (an index several times smaller);
-- a block holding another pair of the same hash is only a candidate that its cues refuse.
CREATE FUNCTION movio_pair_key(first text, second text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT substr(md5(first || ' ' || second), 1, 4) $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION movio_refresh_cue_blocks(track_ids uuid[], block_nos int[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM subtitle_tracks WHERE id = ANY(track_ids) ORDER BY id FOR NO KEY UPDATE;
  DELETE FROM subtitle_cue_blocks b USING unnest(track_ids, block_nos) AS k(track_id, block)
  WHERE b.track_id = k.track_id AND b.block = k.block;
  INSERT INTO subtitle_cue_blocks (track_id, block, video_id, track_language, track_ready, search_config, words, pairs)
  WITH cues AS (
    SELECT c.track_id, c.idx / movio_cues_per_block() AS block, c.idx % movio_cues_per_block() + 1 AS pos,
      c.search_config, c.tsv
    FROM (SELECT DISTINCT track_id, block FROM unnest(track_ids, block_nos) AS k(track_id, block)) k
    JOIN subtitle_cues c ON c.track_id = k.track_id AND c.idx >= k.block * movio_cues_per_block()
      AND c.idx < (k.block + 1) * movio_cues_per_block()),
  words AS (
    SELECT track_id, block, min(search_config) AS search_config,
      string_agg('''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || ''':' || positions, ' ') AS words
    FROM (
      SELECT c.track_id, c.block, c.search_config, l.lexeme,
        string_agg(c.pos::text || CASE
          WHEN 'A' = ANY(l.weights) AND 'C' = ANY(l.weights) THEN 'B'
          WHEN 'A' = ANY(l.weights) THEN 'A' ELSE 'C' END, ',' ORDER BY c.pos) AS positions
      FROM cues c CROSS JOIN unnest(c.tsv) AS l
      GROUP BY c.track_id, c.block, c.search_config, l.lexeme) w
    GROUP BY track_id, block),
  pairs AS (
    SELECT track_id, block, string_agg(pair || ':' || positions, ' ') AS pairs
    FROM (
      SELECT track_id, block, pair, string_agg(DISTINCT pos::text, ',') AS positions
      FROM (
        SELECT c.track_id, c.block, c.pos,
          movio_pair_key(l.lexeme, lead(l.lexeme) OVER (PARTITION BY c.track_id, c.block, c.pos ORDER BY p.at)) AS pair
        FROM cues c CROSS JOIN unnest(c.tsv) AS l CROSS JOIN unnest(l.positions, l.weights) AS p(at, weight)
        WHERE p.weight = 'A') x
      WHERE pair IS NOT NULL
      GROUP BY track_id, block, pair) y
    GROUP BY track_id, block)
  SELECT w.track_id, w.block, tr.video_id, tr.language, tr.status = 'ready', w.search_config,
    w.words::tsvector, coalesce(p.pairs, '')::tsvector
  FROM words w LEFT JOIN pairs p ON p.track_id = w.track_id AND p.block = w.block
  JOIN subtitle_tracks tr ON tr.id = w.track_id;
END $$;--> statement-breakpoint
-- Existing blocks: rebuilt once.
SELECT movio_refresh_cue_blocks(array_agg(track_id), array_agg(block))
FROM (SELECT DISTINCT track_id, idx / movio_cues_per_block() AS block FROM subtitle_cues) k;
