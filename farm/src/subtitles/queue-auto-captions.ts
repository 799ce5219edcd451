/**
 * Queues a video's automatic captions (transcribe-job.ts) in the transaction that first makes
 * it playable (VideoStore: the first playable, or the ready publish of a video that never
 * played before), so transcription never delays playback and its audio — the upload, still
 * stored while the video processes — is there to read.
 *
 * Invariant: at most one `transcribe_audio` per upload's first playable, none when this farm
 * has captions off (TRANSCRIBE_ENABLED=false or no credentials/endpoint), none past an opt-out
 * (video or owner) and none once the video has an `auto` track. The job re-checks the rest.
 */
import { sql } from "drizzle-orm";
import type pg from "pg";
import { transcriptionEnabled } from "../../../shared/config/transcription.ts";
import { enqueueQuery } from "../../../shared/jobs/enqueue.ts";

export type QueueAutoCaptions = (client: pg.PoolClient, videoId: string) => Promise<void>;

/** The hook VideoStore runs at a video's first playable; a no-op when captions are off. */
export function autoCaptionsOnFirstPlayable(
  config: Parameters<typeof transcriptionEnabled>[0],
): QueueAutoCaptions {
  if (!transcriptionEnabled(config)) return async () => undefined;
  return async (client, videoId) => {
    await client.query(
      enqueueQuery(
        { type: "transcribe_audio", videoId, payload: {} },
        {
          onlyIf: sql`exists (select 1 from videos v join users u on u.id = v.owner_id
            where v.id = ${videoId}::uuid and v.auto_captions and u.auto_captions)
            and not exists (select 1 from subtitle_tracks t where t.video_id = ${videoId}::uuid and t.origin = 'auto')`,
        },
      ),
    );
  };
}
