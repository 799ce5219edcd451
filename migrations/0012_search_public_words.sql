-- Typo alternatives (edge/src/services/search-sql.ts) are looked up in search_words; until
-- now every video's words went in, private ones and unready tracks' included, so whether a
-- misspelling was widened (or a word counted as known) told a guesser that some private
-- subtitle held a word. From here search_words holds only words of public, ready, non-deleted
-- videos: their titles, descriptions and the cues of their ready tracks.
--
-- Words go in when they become public (a video published or edited while public, a track
-- turning ready, cues written to a ready track of a public video). They leave through
-- movio_prune_search_words, which the farm's maintenance runs over the vocabulary a batch
-- at a time (farm/src/search/search-words-prune.ts): a word no public document holds any
-- more is deleted. Removal is not done in the triggers: deciding it means probing every
-- other public document for each of the video's words, too slow for a delete request.
CREATE OR REPLACE FUNCTION movio_video_is_public(video uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM videos WHERE id = video
    AND status = 'ready' AND visibility = 'public' AND deleted_at IS NULL)
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION movio_videos_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_config := movio_search_config(NEW.language);
  NEW.title_tsv := movio_search_vector(NEW.search_config, NEW.title, 'A', 'C');
  NEW.description_tsv := movio_search_vector(NEW.search_config, NEW.description, 'B', 'D');
  IF NEW.status = 'ready' AND NEW.visibility = 'public' AND NEW.deleted_at IS NULL THEN
    PERFORM movio_remember_words(NEW.title || ' ' || NEW.description);
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION movio_cues_search() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  lang text;
  public boolean;
BEGIN
  SELECT tr.language, tr.status = 'ready' AND movio_video_is_public(tr.video_id) INTO lang, public
  FROM subtitle_tracks tr WHERE tr.id = NEW.track_id;
  NEW.search_config := movio_search_config(lang);
  NEW.tsv := movio_search_vector(NEW.search_config, NEW.text, 'A', 'C');
  IF public THEN
    PERFORM movio_remember_words(NEW.text);
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
-- A video becoming public and ready: its title, description and ready tracks' cues.
CREATE FUNCTION movio_videos_published_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM movio_remember_words(NEW.title || ' ' || NEW.description);
  PERFORM movio_remember_words(string_agg(c.text, ' '))
  FROM subtitle_tracks tr JOIN subtitle_cues c ON c.track_id = tr.id
  WHERE tr.video_id = NEW.id AND tr.status = 'ready';
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER videos_published_words AFTER UPDATE OF status, visibility, deleted_at ON videos
  FOR EACH ROW WHEN (NEW.status = 'ready' AND NEW.visibility = 'public' AND NEW.deleted_at IS NULL
    AND NOT (OLD.status = 'ready' AND OLD.visibility = 'public' AND OLD.deleted_at IS NULL))
  EXECUTE FUNCTION movio_videos_published_words();--> statement-breakpoint
-- A track turning ready on a public video: its cues.
CREATE FUNCTION movio_tracks_published_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF movio_video_is_public(NEW.video_id) THEN
    PERFORM movio_remember_words(string_agg(text, ' ')) FROM subtitle_cues WHERE track_id = NEW.id;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER subtitle_tracks_published_words AFTER UPDATE OF status ON subtitle_tracks
  FOR EACH ROW WHEN (NEW.status = 'ready' AND OLD.status IS DISTINCT FROM 'ready')
  EXECUTE FUNCTION movio_tracks_published_words();--> statement-breakpoint
-- Whether any public document holds the word, as the search would find it: a title or
-- description of a public, ready video, or a block of a ready track's cues of one (both
-- through their GIN indexes). A word that is a stop word in its document's language is in
-- neither copy there, so it is pruned too: it could not be searched for anyway.
CREATE FUNCTION movio_word_is_public(w text) RETURNS boolean LANGUAGE sql STABLE AS $$
  WITH q AS (SELECT plainto_tsquery('movio_simple', w) AS q)
  SELECT numnode(q.q) > 0 AND (
    EXISTS (SELECT 1 FROM videos v WHERE (v.title_tsv || v.description_tsv) @@ q.q
      AND v.status = 'ready' AND v.visibility = 'public' AND v.deleted_at IS NULL)
    OR EXISTS (SELECT 1 FROM subtitle_cue_blocks b JOIN videos v ON v.id = b.video_id
      WHERE b.words @@ q.q AND b.track_ready
        AND v.status = 'ready' AND v.visibility = 'public' AND v.deleted_at IS NULL))
  FROM q
$$;--> statement-breakpoint
-- Checks up to max_words distinct words after after_word (in index order) and deletes those
-- no public document holds, and duplicate rows of the others (concurrent writers may both
-- insert a new word: the table has no unique key, so they never wait on each other).
-- Returns the last word checked (NULL when the vocabulary's end was reached) and how many
-- rows were deleted.
CREATE FUNCTION movio_prune_search_words(after_word text, max_words int, OUT last_word text, OUT deleted int)
LANGUAGE plpgsql AS $$
DECLARE
  checked int;
BEGIN
  WITH batch AS MATERIALIZED (
    SELECT DISTINCT word FROM search_words WHERE word > after_word ORDER BY word LIMIT max_words),
  judged AS MATERIALIZED (SELECT word, movio_word_is_public(word) AS public FROM batch),
  gone AS (
    DELETE FROM search_words s USING judged j
    WHERE s.word = j.word AND (NOT j.public
      OR s.ctid <> (SELECT min(x.ctid) FROM search_words x WHERE x.word = j.word))
    RETURNING 1)
  SELECT (SELECT count(*) FROM judged), (SELECT max(word) FROM judged), (SELECT count(*) FROM gone)
  INTO checked, last_word, deleted;
  IF checked < max_words THEN
    last_word := NULL;
  END IF;
END $$;--> statement-breakpoint
-- Rebuilt once from public content only.
TRUNCATE search_words;--> statement-breakpoint
SELECT movio_remember_words(v.title || ' ' || v.description) FROM videos v
WHERE v.status = 'ready' AND v.visibility = 'public' AND v.deleted_at IS NULL;--> statement-breakpoint
SELECT movio_remember_words(string_agg(c.text, ' '))
FROM videos v JOIN subtitle_tracks tr ON tr.video_id = v.id JOIN subtitle_cues c ON c.track_id = tr.id
WHERE v.status = 'ready' AND v.visibility = 'public' AND v.deleted_at IS NULL AND tr.status = 'ready'
GROUP BY tr.id;
