/**
 * Subtitle tracks of a video: list, read (JSON or a file), upload, delete, edit cues, ask for
 * translations. Visibility is the catalog's (video-access.ts): whoever may read the video
 * reads its tracks (404 otherwise), only its owner or an admin changes them (403). Every
 * write is one batch — one transaction, one round trip — that also queues
 * `publish_subtitles`, so the farm republishes files and manifests exactly when a change
 * committed. Testable without HTTP.
 */
import { type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { CueEdits, SubtitleTrack } from "../../../shared/api/subtitles.ts";
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import { translationEnabled } from "../../../shared/config/translation.ts";
import { ApiError } from "../../../shared/errors/api-error.ts";
import { cancelQueuedStatement, enqueueStatement } from "../../../shared/jobs/enqueue.ts";
import { languageLabel, machineLabel } from "../../../shared/subtitles/languages.ts";
import type { Database } from "../db/request-db.ts";
import { generateCaptions } from "./caption-service.ts";
import { applyCueEdits } from "./cue-edits.ts";
import {
  insertCues,
  lockVideo,
  type Origin,
  roomForTrack,
  selectTrack,
  type TargetQuery,
  type TargetRow,
  targetQuery,
  videoLive,
} from "./subtitle-queries.ts";
import {
  checkCueCount,
  cuesOfFile,
  languageParam,
  mustChange,
  targetLanguages,
  tooManyTracks,
  trackNotFound,
  videoNotFound,
} from "./subtitle-rules.ts";
import { SOURCE_PREFERENCE, type TrackRow, toSubtitleTrack, trackJson, tracksJson } from "./subtitle-view.ts";
import { canSee, type Viewer } from "./video-access.ts";

export interface TrackWithCues {
  track: SubtitleTrack;
  cues: { index: number; startMs: number; endMs: number; text: string }[];
}

type Kind = SubtitleTrack["kind"];
const rowOf = <T>(result: { rows: unknown[] }) => result.rows[0] as T | undefined;

export class SubtitleService {
  constructor(
    private readonly db: Database,
    private readonly config: EdgeConfig,
  ) {}

  async list(videoId: string, viewer: Viewer | undefined): Promise<SubtitleTrack[]> {
    const result = await this.db.execute(
      sql`select v.owner_id as "ownerId", v.visibility, v.status, ${tracksJson(sql`v.id`)} as tracks
          from videos v where v.id = ${videoId}::uuid and v.deleted_at is null`,
    );
    const video = rowOf<Pick<TargetRow, "ownerId" | "visibility" | "status"> & { tracks: TrackRow[] }>(
      result,
    );
    if (!video || !canSee(video, viewer)) throw videoNotFound();
    return video.tracks.map(toSubtitleTrack);
  }

  /** The language's preferred track (uploaded, machine, embedded) or the one of `origin`, with its cues. */
  async read(videoId: string, rawLang: string, origin: Origin | undefined, viewer: Viewer | undefined) {
    const lang = languageParam(rawLang, true);
    const target = await this.target({ videoId, lang, origin, withCues: true });
    if (!target || !canSee(target, viewer)) throw videoNotFound();
    if (!target.track) throw trackNotFound(lang, origin);
    return { track: toSubtitleTrack(target.track), cues: target.cues ?? [] } satisfies TrackWithCues;
  }

  /**
   * Stores the file as the language's uploaded track, replacing the previous one (label and
   * kind kept unless given). `file` is read only once the caller may change the video. Cues
   * past the video's end (when known) are trimmed. Says whether the track is new.
   */
  async upload(
    videoId: string,
    rawLang: string,
    viewer: Viewer,
    file: () => Promise<Uint8Array>,
    options: { label?: string | undefined; kind?: Kind | undefined } = {},
  ): Promise<{ track: SubtitleTrack; created: boolean }> {
    const lang = languageParam(rawLang, false) as string;
    const target = await this.target({ videoId, lang, origin: "uploaded" });
    mustChange(target, viewer);
    const maxTracks = this.config.SUBTITLE_MAX_TRACKS;
    if (!target.track && target.trackCount >= maxTracks) throw tooManyTracks(maxTracks);
    const cues = cuesOfFile(await file(), target.durationMs);
    checkCueCount(cues.length, this.config.SUBTITLE_MAX_CUES);
    const live = videoLive(videoId);
    const isTrack = sql`t.video_id = ${videoId}::uuid and t.language = ${lang}::text and t.origin = 'uploaded'`;
    const room = roomForTrack(videoId, maxTracks, sql`select 1 from subtitle_tracks t where ${isTrack}`);
    const [, upserted, , , , selected] = await this.db.batch([
      this.db.execute(lockVideo(videoId)),
      this.db.execute(sql`
        insert into subtitle_tracks (video_id, language, label, kind, origin, status, cue_count)
        select ${videoId}::uuid, ${lang}::text, ${options.label ?? languageLabel(lang)}::text,
               ${options.kind ?? "subtitles"}::text, 'uploaded', 'ready', ${cues.length}::int
        where ${live} and ${room}
        on conflict (video_id, language, origin) do update set
          label = coalesce(${options.label ?? null}::text, subtitle_tracks.label),
          kind = coalesce(${options.kind ?? null}::text, subtitle_tracks.kind),
          status = 'ready', error_code = null, error_message = null,
          cue_count = excluded.cue_count, updated_at = now()
        returning (xmax = 0) as created`),
      this.db.execute(sql`delete from subtitle_cues
        where track_id in (select t.id from subtitle_tracks t where ${isTrack}) and ${live}`),
      this.db.execute(insertCues(sql`select t.id from subtitle_tracks t where ${isTrack} and ${live}`, cues)),
      this.db.execute(publish(videoId, live)),
      this.db.execute(selectTrack(isTrack)),
    ]);
    const created = rowOf<{ created: boolean }>(upserted)?.created;
    const track = rowOf<{ track: TrackRow }>(selected)?.track;
    if (created === undefined || !track) {
      // Deleted meanwhile, or another request took the last place first.
      const now = await this.target({ videoId, lang, origin: "uploaded" });
      if (now && now.trackCount >= maxTracks) throw tooManyTracks(maxTracks);
      throw videoNotFound();
    }
    return { track: toSubtitleTrack(track), created };
  }

  /** Deletes the language's preferred track (or the one of `origin`); its cues go with it. */
  async remove(videoId: string, rawLang: string, origin: Origin | undefined, viewer: Viewer): Promise<void> {
    const lang = languageParam(rawLang, true);
    const target = await this.target({ videoId, lang, origin });
    mustChange(target, viewer);
    if (!target.track) throw trackNotFound(lang, origin);
    const id = target.track.id;
    const gone = sql`not exists (select 1 from subtitle_tracks where id = ${id}::uuid)`;
    const { origin: trackOrigin, sourceTrackId } = target.track;
    const [deleted] = await this.db.batch([
      this.db.execute(sql`delete from subtitle_tracks where id = ${id}::uuid returning id`),
      this.db.execute(publish(videoId, sql`${videoLive(videoId)} and ${gone}`)),
      // A machine track still waiting for its translation: the queued job would bring it back.
      this.db.execute(
        trackOrigin === "machine" && lang
          ? cancelQueuedStatement(
              {
                type: "translate_subtitles",
                videoId,
                payload: { sourceTrackId: sourceTrackId ?? id, to: lang },
              },
              "its track was deleted",
            )
          : sql`select 1`,
      ),
    ]);
    if (deleted.rows.length === 0) throw trackNotFound(lang, origin);
  }

  /**
   * Changes, adds and removes cues of a ready track and stores the set re-indexed in time
   * order — only if nobody changed the track since it was read (409 otherwise).
   */
  async editCues(
    videoId: string,
    rawLang: string,
    origin: Origin | undefined,
    viewer: Viewer,
    edits: CueEdits,
  ): Promise<TrackWithCues> {
    const lang = languageParam(rawLang, true);
    const target = await this.target({ videoId, lang, origin, withCues: true });
    mustChange(target, viewer);
    if (!target.track) throw trackNotFound(lang, origin);
    if (target.track.status !== "ready") {
      throw new ApiError(
        "conflict",
        `the track is ${target.track.status}: only a ready track has cues to edit`,
      );
    }
    const cues = applyCueEdits(target.cues ?? [], edits, target.durationMs);
    checkCueCount(cues.length, this.config.SUBTITLE_MAX_CUES);
    const id = target.track.id;
    // `now()` is the transaction's start: the value the update below wrote, if it did.
    const updated = sql`t.id = ${id}::uuid and t.updated_at = now()`;
    const [update, , , , selected] = await this.db.batch([
      this.db.execute(sql`update subtitle_tracks set cue_count = ${cues.length}::int, updated_at = now(), edited_at = now()
        where id = ${id}::uuid and updated_at = ${target.version}::timestamptz and ${videoLive(videoId)}
        returning id`),
      this.db.execute(sql`delete from subtitle_cues
        where track_id = ${id}::uuid and exists (select 1 from subtitle_tracks t where ${updated})`),
      this.db.execute(insertCues(sql`select t.id from subtitle_tracks t where ${updated}`, cues)),
      this.db.execute(publish(videoId, sql`exists (select 1 from subtitle_tracks t where ${updated})`)),
      this.db.execute(selectTrack(sql`t.id = ${id}::uuid`)),
    ]);
    const track = rowOf<{ track: TrackRow }>(selected)?.track;
    if (update.rows.length === 0 || !track) {
      throw new ApiError("conflict", "the track changed meanwhile (or was deleted): read it again and retry");
    }
    return { track: toSubtitleTrack(track), cues: cues.map((cue, index) => ({ index, ...cue })) };
  }

  /**
   * Queues one `translate_subtitles` job per target language from the language's best ready
   * track (uploaded over embedded over machine), and shows each target as a machine track:
   * pending until translated (a ready one stays ready until its replacement arrives).
   * Refused up front: a video with no upload processing or processed (409 video_not_ready),
   * targets that would take the video past SUBTITLE_MAX_TRACKS (409 too_many_tracks), and an
   * owner whose month would go past TRANSLATE_MONTHLY_CHARS (429 quota_exceeded; estimated
   * from the source's cue text — the farm counts exactly what it sends, and fails the track
   * with the same reason when the estimate was short).
   */
  async translate(videoId: string, rawLang: string, viewer: Viewer, to: string[]) {
    const lang = languageParam(rawLang, true);
    const targets = targetLanguages(to);
    const target = await this.target({ videoId, lang, withAllTracks: true });
    mustChange(target, viewer);
    if (!translationEnabled(this.config)) {
      throw new ApiError(
        "translation_unavailable",
        "machine translation is not configured on this server (GET /api/v1/capabilities says so)",
      );
    }
    const tracks = target.tracks ?? [];
    const source = SOURCE_PREFERENCE.map((o) =>
      tracks.find((t) => t.origin === o && t.status === "ready"),
    ).find(Boolean);
    if (!source) {
      if (tracks[0])
        throw new ApiError("conflict", `the track is ${tracks[0].status}: translate it once it is ready`);
      throw trackNotFound(lang, undefined);
    }
    if (source.lang !== null && targets.includes(source.lang)) {
      throw new ApiError(
        "validation_failed",
        `invalid body: to: ${source.lang} is the source track's own language`,
      );
    }
    await this.checkTranslationBudget(videoId, target, source, targets);
    const live = videoLive(videoId);
    const maxTracks = this.config.SUBTITLE_MAX_TRACKS;
    const machineTrack = (language: string) =>
      sql`select 1 from subtitle_tracks t where t.video_id = ${videoId}::uuid and t.language = ${language}::text and t.origin = 'machine'`;
    const statements = targets.flatMap((language) => [
      this.db.execute(sql`
        insert into subtitle_tracks (video_id, language, label, kind, origin, status, source_track_id)
        select ${videoId}::uuid, ${language}::text, ${machineLabel(language)}::text, ${source.kind}::text,
               'machine', 'pending', ${source.id}::uuid
        where ${live} and ${roomForTrack(videoId, maxTracks, machineTrack(language))}
        on conflict (video_id, language, origin) do update set
          source_track_id = excluded.source_track_id,
          status = case when subtitle_tracks.status = 'ready' then 'ready' else 'pending' end,
          error_code = null, error_message = null, updated_at = now()`),
      this.db.execute(
        enqueueStatement(
          { type: "translate_subtitles", videoId, payload: { sourceTrackId: source.id, to: language } },
          // No track, no job: another request took the last places meanwhile.
          { onlyIf: sql`${live} and exists (${machineTrack(language)})` },
        ),
      ),
    ]);
    const machineTracks = this.db.execute(sql`
      select coalesce(json_agg(${trackJson} order by t.language), '[]'::json) as tracks from subtitle_tracks t
      where t.video_id = ${videoId}::uuid and t.origin = 'machine' and t.language = any(${sql.param(targets)}::text[])`);
    const results = await this.db.batch([
      this.db.execute(lockVideo(videoId)),
      ...statements,
      machineTracks,
    ] as unknown as [BatchItem<"pg">]);
    const created =
      rowOf<{ tracks: TrackRow[] }>(results[results.length - 1] as { rows: unknown[] })?.tracks ?? [];
    const queued = targets.filter((language) => created.some((track) => track.lang === language));
    return { source: toSubtitleTrack(source), queued, tracks: created.map(toSubtitleTrack) };
  }

  /**
   * The refusals a translation request gets before anything is queued: no upload yet, no
   * room for the new tracks, or the owner's month of machine translation used up.
   */
  private async checkTranslationBudget(
    videoId: string,
    target: TargetRow,
    source: TrackRow,
    targets: string[],
  ): Promise<void> {
    if (target.status !== "processing" && target.status !== "ready") {
      throw new ApiError(
        "video_not_ready",
        `the video is ${target.status.replace("_", " ")}: translations start once its upload is processing`,
        { details: { status: target.status } },
      );
    }
    const budget = rowOf<{ sourceChars: string; used: string; existing: string[] }>(
      await this.db.execute(sql`
        select (select coalesce(sum(char_length(c.text)), 0) from subtitle_cues c
                where c.track_id = ${source.id}::uuid)::bigint as "sourceChars",
               coalesce((select u.chars from translation_usage u where u.user_id = ${target.ownerId}::uuid
                         and u.month = date_trunc('month', now() at time zone 'utc')::date), 0)::bigint as used,
               array(select t.language from subtitle_tracks t where t.video_id = ${videoId}::uuid
                     and t.origin = 'machine' and t.language = any(${sql.param(targets)}::text[])) as existing`),
    );
    const existing = budget?.existing ?? [];
    const adding = targets.filter((language) => !existing.includes(language)).length;
    const maxTracks = this.config.SUBTITLE_MAX_TRACKS;
    if (adding > 0 && target.trackCount + adding > maxTracks) throw tooManyTracks(maxTracks, adding);
    const monthly = this.config.TRANSLATE_MONTHLY_CHARS;
    const used = Number(budget?.used ?? 0);
    const needed = Number(budget?.sourceChars ?? 0) * targets.length;
    if (used + needed > monthly) {
      throw new ApiError(
        "quota_exceeded",
        `translating ${targets.length === 1 ? "this track" : `this track into ${targets.length} languages`} ` +
          `takes about ${needed} characters; the video's owner has sent ${used} of the ${monthly} characters ` +
          "a month allows to machine translation (TRANSLATE_MONTHLY_CHARS); it starts again on the 1st (UTC)",
        { details: { used, needed, limit: monthly } },
      );
    }
  }

  /** Generates the video's captions from its speech again (caption-service.ts). */
  generateCaptions(videoId: string, viewer: Viewer) {
    return generateCaptions(this.db, this.config, videoId, viewer);
  }

  private async target(query: TargetQuery): Promise<TargetRow | undefined> {
    return rowOf<TargetRow>(await this.db.execute(targetQuery(query)));
  }
}

function publish(videoId: string, onlyIf: SQL): SQL {
  return enqueueStatement({ type: "publish_subtitles", videoId, payload: {} }, { onlyIf });
}
