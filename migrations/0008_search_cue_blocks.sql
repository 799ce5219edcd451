CREATE TABLE "subtitle_cue_blocks" (
	"track_id" uuid NOT NULL,
	"block" integer NOT NULL,
	"video_id" uuid NOT NULL,
	"track_language" text,
	"track_ready" boolean NOT NULL,
	"search_config" text DEFAULT 'movio_simple' NOT NULL,
	"words" "tsvector" NOT NULL,
	CONSTRAINT "subtitle_cue_blocks_track_id_block_pk" PRIMARY KEY("track_id","block")
);
--> statement-breakpoint
DROP INDEX "subtitle_cues_tsv_idx";--> statement-breakpoint
ALTER TABLE "subtitle_cue_blocks" ADD CONSTRAINT "subtitle_cue_blocks_track_id_subtitle_tracks_id_fk" FOREIGN KEY ("track_id") REFERENCES "public"."subtitle_tracks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "subtitle_cue_blocks_words_idx" ON "subtitle_cue_blocks" USING gin ("words");--> statement-breakpoint
CREATE INDEX "subtitle_cue_blocks_video_idx" ON "subtitle_cue_blocks" USING btree ("video_id");--> statement-breakpoint
CREATE INDEX "subtitle_cue_blocks_config_idx" ON "subtitle_cue_blocks" USING btree ("search_config");--> statement-breakpoint
CREATE INDEX "videos_search_config_idx" ON "videos" USING btree ("search_config");
--> statement-breakpoint
-- Hand-written below.
-- Words as written leave out the language's stop words, as the stemmed copy does: "the" is
-- no search term in English (a prefix query "the" still finds "theatre"), and the index does
-- not carry a posting for nearly every English cue. Romanian has no stop word list.
DO $$
DECLARE lang text;
BEGIN
  FOREACH lang IN ARRAY ARRAY['english','french','german','spanish','portuguese','italian','dutch',
    'russian','swedish','norwegian','danish','finnish','hungarian','turkish'] LOOP
    EXECUTE format('CREATE TEXT SEARCH DICTIONARY movio_%s_written (TEMPLATE = pg_catalog.simple, STOPWORDS = %s)', lang, lang);
  END LOOP;
  CREATE TEXT SEARCH DICTIONARY movio_romanian_written (TEMPLATE = pg_catalog.simple);
  FOREACH lang IN ARRAY ARRAY['english','french','german','spanish','portuguese','italian','dutch',
    'russian','swedish','norwegian','danish','finnish','hungarian','romanian','turkish'] LOOP
    EXECUTE format('CREATE TEXT SEARCH CONFIGURATION movio_%s_written (COPY = movio_simple)', lang);
    EXECUTE format('ALTER TEXT SEARCH CONFIGURATION movio_%s_written ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, movio_%s_written', lang, lang);
  END LOOP;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION movio_search_vector(config text, body text, stemmed "char", as_written "char")
RETURNS tsvector LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN config = 'movio_simple' THEN setweight(to_tsvector('movio_simple', body), stemmed)
    ELSE setweight(to_tsvector(config::regconfig, body), stemmed)
      || setweight(to_tsvector((config || '_written')::regconfig, body), as_written) END
$$;--> statement-breakpoint
-- Cues per block. 64 rather than 256 (the most positions a word may have in a tsvector):
-- fewer blocks hold every word of a query in different cues, so fewer are read for nothing.
-- edge/src/services/search-sql.ts (CUES_PER_BLOCK) must agree.
CREATE FUNCTION movio_cues_per_block() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 64';--> statement-breakpoint
-- Rebuilds the blocks of the given (track, block) pairs from their cues. Locks the tracks
-- first: a concurrent writer of the same track waits, and this statement's reads (taken after
-- the lock) then see what that writer committed, so no block misses a committed cue.
CREATE FUNCTION movio_refresh_cue_blocks(track_ids uuid[], block_nos int[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM subtitle_tracks WHERE id = ANY(track_ids) ORDER BY id FOR NO KEY UPDATE;
  DELETE FROM subtitle_cue_blocks b USING unnest(track_ids, block_nos) AS k(track_id, block)
  WHERE b.track_id = k.track_id AND b.block = k.block;
  INSERT INTO subtitle_cue_blocks (track_id, block, video_id, track_language, track_ready, search_config, words)
  SELECT w.track_id, w.block, tr.video_id, tr.language, tr.status = 'ready', min(w.search_config),
    string_agg('''' || replace(replace(w.lexeme, '\', '\\'), '''', '''''') || ''':' || w.positions, ' ')::tsvector
  FROM (
    SELECT c.track_id, c.idx / movio_cues_per_block() AS block, c.search_config, l.lexeme,
      string_agg((c.idx % movio_cues_per_block() + 1)::text || CASE
        WHEN 'A' = ANY(l.weights) AND 'C' = ANY(l.weights) THEN 'B'
        WHEN 'A' = ANY(l.weights) THEN 'A' ELSE 'C' END, ',' ORDER BY c.idx) AS positions
    FROM (SELECT DISTINCT track_id, block FROM unnest(track_ids, block_nos) AS k(track_id, block)) k
    JOIN subtitle_cues c ON c.track_id = k.track_id AND c.idx >= k.block * movio_cues_per_block() AND c.idx < (k.block + 1) * movio_cues_per_block()
    CROSS JOIN unnest(c.tsv) AS l
    GROUP BY c.track_id, c.idx / movio_cues_per_block(), c.search_config, l.lexeme) w
  JOIN subtitle_tracks tr ON tr.id = w.track_id
  GROUP BY w.track_id, w.block, tr.video_id, tr.language, tr.status;
END $$;--> statement-breakpoint
CREATE FUNCTION movio_cue_blocks_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM movio_refresh_cue_blocks(array_agg(track_id), array_agg(block))
    FROM (SELECT DISTINCT track_id, idx / movio_cues_per_block() AS block FROM new_cues) k;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM movio_refresh_cue_blocks(array_agg(track_id), array_agg(block))
    FROM (SELECT DISTINCT track_id, idx / movio_cues_per_block() AS block FROM old_cues) k;
  ELSE
    PERFORM movio_refresh_cue_blocks(array_agg(track_id), array_agg(block))
    FROM (SELECT track_id, idx / movio_cues_per_block() AS block FROM new_cues
          UNION SELECT track_id, idx / movio_cues_per_block() FROM old_cues) k;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER subtitle_cues_blocks_insert AFTER INSERT ON subtitle_cues
  REFERENCING NEW TABLE AS new_cues FOR EACH STATEMENT EXECUTE FUNCTION movio_cue_blocks_changed();--> statement-breakpoint
CREATE TRIGGER subtitle_cues_blocks_update AFTER UPDATE ON subtitle_cues
  REFERENCING OLD TABLE AS old_cues NEW TABLE AS new_cues FOR EACH STATEMENT EXECUTE FUNCTION movio_cue_blocks_changed();--> statement-breakpoint
CREATE TRIGGER subtitle_cues_blocks_delete AFTER DELETE ON subtitle_cues
  REFERENCING OLD TABLE AS old_cues FOR EACH STATEMENT EXECUTE FUNCTION movio_cue_blocks_changed();--> statement-breakpoint
-- A track's status (and language: its cues are re-stemmed then, which rebuilds the blocks
-- too) is copied into its blocks, so search reads the blocks alone.
CREATE FUNCTION movio_tracks_blocks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE subtitle_cue_blocks SET track_ready = NEW.status = 'ready', track_language = NEW.language
  WHERE track_id = NEW.id;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER subtitle_tracks_blocks AFTER UPDATE OF status, language ON subtitle_tracks
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.language IS DISTINCT FROM NEW.language)
  EXECUTE FUNCTION movio_tracks_blocks();--> statement-breakpoint
-- Existing rows: titles and descriptions through their trigger; cues re-indexed in place
-- (the statement trigger then builds every block).
UPDATE videos SET title = title;--> statement-breakpoint
UPDATE subtitle_cues SET tsv = movio_search_vector(search_config, text, 'A', 'C');
