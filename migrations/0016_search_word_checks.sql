CREATE TABLE "search_word_checks" (
	"word" text NOT NULL
);
--> statement-breakpoint
-- Hand-written below. When a word's public holder goes (a video made private, unready or
-- deleted, re-titled; a ready track deleted or unready; cues of a ready track deleted or
-- rewritten), its words are queued in the same transaction, and the farm's maintenance
-- checks the queue first (movio_prune_queued_search_words): such a word leaves the typo
-- vocabulary within one maintenance interval, not when the walk over the whole vocabulary
-- (movio_prune_search_words, 0012) next reaches it. Queueing is a cheap insert (no key, no
-- waits), so deleting a long film stays fast; the checks run on the farm.
CREATE FUNCTION movio_queue_word_checks(body text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO search_word_checks (word)
  SELECT DISTINCT w FROM regexp_split_to_table(lower(unaccent(coalesce(body, ''))), '[^[:alnum:]]+') AS w
  WHERE length(w) BETWEEN 5 AND 40
$$;--> statement-breakpoint
CREATE FUNCTION movio_videos_unpublished_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM movio_queue_word_checks(OLD.title || ' ' || OLD.description);
  -- Still public (only re-titled or re-described): its cues keep their words.
  IF TG_OP = 'UPDATE' AND NEW.status = 'ready' AND NEW.visibility = 'public' AND NEW.deleted_at IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM movio_queue_word_checks(string_agg(c.text, ' '))
  FROM subtitle_tracks tr JOIN subtitle_cues c ON c.track_id = tr.id
  WHERE tr.video_id = OLD.id AND tr.status = 'ready';
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER videos_unpublished_words AFTER UPDATE OF status, visibility, deleted_at, title, description ON videos
  FOR EACH ROW WHEN (OLD.status = 'ready' AND OLD.visibility = 'public' AND OLD.deleted_at IS NULL
    AND (NOT (NEW.status = 'ready' AND NEW.visibility = 'public' AND NEW.deleted_at IS NULL)
      OR OLD.title IS DISTINCT FROM NEW.title OR OLD.description IS DISTINCT FROM NEW.description))
  EXECUTE FUNCTION movio_videos_unpublished_words();--> statement-breakpoint
-- Before the delete: its cues are still there to read (the cascade removes them after).
CREATE TRIGGER videos_deleted_words BEFORE DELETE ON videos
  FOR EACH ROW WHEN (OLD.status = 'ready' AND OLD.visibility = 'public' AND OLD.deleted_at IS NULL)
  EXECUTE FUNCTION movio_videos_unpublished_words();--> statement-breakpoint
CREATE FUNCTION movio_tracks_unpublished_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A track deleted with its video finds the video gone: the video's trigger queued it all.
  IF movio_video_is_public(OLD.video_id) THEN
    PERFORM movio_queue_word_checks(string_agg(text, ' ')) FROM subtitle_cues WHERE track_id = OLD.id;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER subtitle_tracks_unpublished_words AFTER UPDATE OF status ON subtitle_tracks
  FOR EACH ROW WHEN (OLD.status = 'ready' AND NEW.status IS DISTINCT FROM 'ready')
  EXECUTE FUNCTION movio_tracks_unpublished_words();--> statement-breakpoint
CREATE TRIGGER subtitle_tracks_deleted_words BEFORE DELETE ON subtitle_tracks
  FOR EACH ROW WHEN (OLD.status = 'ready')
  EXECUTE FUNCTION movio_tracks_unpublished_words();--> statement-breakpoint
-- Cues of a ready track of a public video deleted or rewritten (a track replaced, a cue
-- edited): their old words. Cues deleted with their track find the track gone (queued above).
CREATE FUNCTION movio_cues_unpublished_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM movio_queue_word_checks(string_agg(o.text, ' '))
  FROM old_cues o JOIN subtitle_tracks tr ON tr.id = o.track_id JOIN videos v ON v.id = tr.video_id
  WHERE tr.status = 'ready' AND v.status = 'ready' AND v.visibility = 'public' AND v.deleted_at IS NULL;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER subtitle_cues_unpublished_words_delete AFTER DELETE ON subtitle_cues
  REFERENCING OLD TABLE AS old_cues FOR EACH STATEMENT EXECUTE FUNCTION movio_cues_unpublished_words();--> statement-breakpoint
CREATE TRIGGER subtitle_cues_unpublished_words_update AFTER UPDATE ON subtitle_cues
  REFERENCING OLD TABLE AS old_cues FOR EACH STATEMENT EXECUTE FUNCTION movio_cues_unpublished_words();--> statement-breakpoint
-- Takes up to max_words queued words (several nodes at once: SKIP LOCKED), deletes from the
-- vocabulary those no public document holds; returns how many vocabulary rows it deleted.
CREATE FUNCTION movio_prune_queued_search_words(max_words int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  deleted int;
BEGIN
  WITH taken AS (
    DELETE FROM search_word_checks WHERE ctid IN (
      SELECT ctid FROM search_word_checks LIMIT max_words FOR UPDATE SKIP LOCKED)
    RETURNING word),
  judged AS MATERIALIZED (SELECT word, movio_word_is_public(word) AS public FROM (SELECT DISTINCT word FROM taken) t),
  gone AS (DELETE FROM search_words s USING judged j WHERE s.word = j.word AND NOT j.public RETURNING 1)
  SELECT count(*) INTO deleted FROM gone;
  RETURN deleted;
END $$;
