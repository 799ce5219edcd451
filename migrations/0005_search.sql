CREATE TABLE "search_words" (
	"word" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "subtitle_cues" ADD COLUMN "search_config" text DEFAULT 'movio_simple' NOT NULL;--> statement-breakpoint
ALTER TABLE "subtitle_cues" ADD COLUMN "tsv" "tsvector";--> statement-breakpoint
ALTER TABLE "videos" ADD COLUMN "search_config" text DEFAULT 'movio_simple' NOT NULL;--> statement-breakpoint
ALTER TABLE "videos" ADD COLUMN "title_tsv" "tsvector";--> statement-breakpoint
ALTER TABLE "videos" ADD COLUMN "description_tsv" "tsvector";--> statement-breakpoint
CREATE INDEX "search_words_word_idx" ON "search_words" USING btree ("word");--> statement-breakpoint
CREATE INDEX "subtitle_cues_tsv_idx" ON "subtitle_cues" USING gin ("tsv");--> statement-breakpoint
CREATE INDEX "videos_title_tsv_idx" ON "videos" USING gin ("title_tsv");--> statement-breakpoint
CREATE INDEX "videos_description_tsv_idx" ON "videos" USING gin ("description_tsv");--> statement-breakpoint
-- Hand-written below: extensions, the text search configurations, and the triggers that keep
-- the search documents current in the same transaction as every change to the text they index.
CREATE EXTENSION IF NOT EXISTS unaccent;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
-- One configuration per stemmed language, plus movio_simple: each is Postgres' own with the
-- unaccent filter in front, so "cafe" matches "café" and ts_headline still marks the original word.
DO $$
DECLARE lang text;
BEGIN
  FOREACH lang IN ARRAY ARRAY['english','french','german','spanish','portuguese','italian','dutch',
    'russian','swedish','norwegian','danish','finnish','hungarian','romanian','turkish'] LOOP
    EXECUTE format('CREATE TEXT SEARCH CONFIGURATION movio_%s (COPY = pg_catalog.%s)', lang, lang);
    EXECUTE format('ALTER TEXT SEARCH CONFIGURATION movio_%s ALTER MAPPING FOR word, hword, hword_part WITH unaccent, %s_stem', lang, lang);
  END LOOP;
  CREATE TEXT SEARCH CONFIGURATION movio_simple (COPY = pg_catalog.simple);
  ALTER TEXT SEARCH CONFIGURATION movio_simple ALTER MAPPING FOR word, hword, hword_part WITH unaccent, simple;
END $$;--> statement-breakpoint
-- A BCP 47 tag's primary language to its configuration; language-neutral when Postgres has none.
CREATE FUNCTION movio_search_config(lang text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE lower(split_part(coalesce(lang, ''), '-', 1))
    WHEN 'en' THEN 'movio_english' WHEN 'fr' THEN 'movio_french' WHEN 'de' THEN 'movio_german'
    WHEN 'es' THEN 'movio_spanish' WHEN 'pt' THEN 'movio_portuguese' WHEN 'it' THEN 'movio_italian'
    WHEN 'nl' THEN 'movio_dutch' WHEN 'ru' THEN 'movio_russian' WHEN 'sv' THEN 'movio_swedish'
    WHEN 'no' THEN 'movio_norwegian' WHEN 'nb' THEN 'movio_norwegian' WHEN 'nn' THEN 'movio_norwegian'
    WHEN 'da' THEN 'movio_danish' WHEN 'fi' THEN 'movio_finnish' WHEN 'hu' THEN 'movio_hungarian'
    WHEN 'ro' THEN 'movio_romanian' WHEN 'tr' THEN 'movio_turkish'
    ELSE 'movio_simple' END
$$;--> statement-breakpoint
-- Words of 5+ letters (the ones typo tolerance applies to), unaccented, for the trigram lookup.
-- Skips words already there without a unique key, so concurrent writers never wait on each other.
CREATE FUNCTION movio_remember_words(body text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO search_words (word)
  SELECT DISTINCT w FROM regexp_split_to_table(lower(unaccent(body)), '[^[:alnum:]]+') AS w
  WHERE length(w) BETWEEN 5 AND 40 AND NOT EXISTS (SELECT 1 FROM search_words s WHERE s.word = w)
$$;--> statement-breakpoint
CREATE FUNCTION movio_videos_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_config := movio_search_config(NEW.language);
  NEW.title_tsv := to_tsvector(NEW.search_config::regconfig, NEW.title);
  NEW.description_tsv := to_tsvector(NEW.search_config::regconfig, NEW.description);
  PERFORM movio_remember_words(NEW.title || ' ' || NEW.description);
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER videos_search BEFORE INSERT OR UPDATE OF title, description, language ON videos
  FOR EACH ROW EXECUTE FUNCTION movio_videos_search();--> statement-breakpoint
CREATE FUNCTION movio_cues_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_config := movio_search_config((SELECT language FROM subtitle_tracks WHERE id = NEW.track_id));
  NEW.tsv := to_tsvector(NEW.search_config::regconfig, NEW.text);
  PERFORM movio_remember_words(NEW.text);
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER subtitle_cues_search BEFORE INSERT OR UPDATE OF text, track_id ON subtitle_cues
  FOR EACH ROW EXECUTE FUNCTION movio_cues_search();--> statement-breakpoint
-- A track's language decides its cues' stemming: re-stem them when it changes.
CREATE FUNCTION movio_tracks_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE subtitle_cues SET search_config = movio_search_config(NEW.language),
    tsv = to_tsvector(movio_search_config(NEW.language)::regconfig, text)
  WHERE track_id = NEW.id;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER subtitle_tracks_search AFTER UPDATE OF language ON subtitle_tracks
  FOR EACH ROW WHEN (OLD.language IS DISTINCT FROM NEW.language) EXECUTE FUNCTION movio_tracks_search();--> statement-breakpoint
CREATE INDEX search_words_trgm_idx ON search_words USING gin (word gin_trgm_ops);--> statement-breakpoint
-- Existing rows: fire the triggers once.
UPDATE videos SET title = title;--> statement-breakpoint
UPDATE subtitle_cues SET text = text;
