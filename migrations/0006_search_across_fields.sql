DROP INDEX "videos_title_tsv_idx";--> statement-breakpoint
DROP INDEX "videos_description_tsv_idx";--> statement-breakpoint
CREATE INDEX "videos_search_doc_idx" ON "videos" USING gin (("title_tsv" || "description_tsv"));--> statement-breakpoint
-- Hand-written below. Every document holds its words twice: stemmed in the row's language
-- (weight A for titles and cues, B for descriptions) and as written, unaccented and lower-cased
-- (C for titles and cues, D for descriptions). Whole query words match the stemmed copy; the
-- last word typed also matches as a prefix of the written copy ("runn" finds "running", whose
-- stem "run" it does not begin). Language-neutral rows (movio_simple) need only one copy.
CREATE FUNCTION movio_search_vector(config text, body text, stemmed "char", as_written "char")
RETURNS tsvector LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN config = 'movio_simple' THEN setweight(to_tsvector('movio_simple', body), stemmed)
    ELSE setweight(to_tsvector(config::regconfig, body), stemmed)
      || setweight(to_tsvector('movio_simple', body), as_written) END
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION movio_videos_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_config := movio_search_config(NEW.language);
  NEW.title_tsv := movio_search_vector(NEW.search_config, NEW.title, 'A', 'C');
  NEW.description_tsv := movio_search_vector(NEW.search_config, NEW.description, 'B', 'D');
  PERFORM movio_remember_words(NEW.title || ' ' || NEW.description);
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION movio_cues_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_config := movio_search_config((SELECT language FROM subtitle_tracks WHERE id = NEW.track_id));
  NEW.tsv := movio_search_vector(NEW.search_config, NEW.text, 'A', 'C');
  PERFORM movio_remember_words(NEW.text);
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION movio_tracks_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE subtitle_cues SET search_config = movio_search_config(NEW.language),
    tsv = movio_search_vector(movio_search_config(NEW.language), text, 'A', 'C')
  WHERE track_id = NEW.id;
  RETURN NULL;
END $$;--> statement-breakpoint
-- Existing rows: fire the triggers once.
UPDATE videos SET title = title;--> statement-breakpoint
UPDATE subtitle_cues SET text = text;
