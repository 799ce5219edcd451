/**
 * What bench/playable and bench/chunks time through the product: a user and a video row as
 * the edge creates them, the source sent with tus-js-client to a farm, then the row polled —
 * seconds from the upload's last byte to playable (`media` set) and to `ready`. A failed
 * video throws with its jobs' errors.
 */
import type pg from "pg";
import * as tus from "tus-js-client";
import { type importSigningKey, signJwt, UPLOAD_AUDIENCE } from "../shared/auth/jwt.ts";

export interface ProductTiming {
  videoId: string;
  playableS: number;
  readyS: number;
}

export async function uploadAndFollow(
  db: pg.Pool,
  key: Awaited<ReturnType<typeof importSigningKey>>,
  farmUrl: string,
  data: Buffer,
  options: { pollMs?: number; label?: string; onUploaded?: () => void } = {},
): Promise<ProductTiming> {
  const label = options.label ?? "bench";
  const { rows: users } = await db.query<{ id: string }>(
    "insert into users (email, password_hash, display_name) values ($1, 'x', 'Bench') returning id",
    [`bench-${crypto.randomUUID()}@example.com`],
  );
  const { rows } = await db.query<{ id: string }>(
    "insert into videos (owner_id, title, visibility) values ($1, 'Bench', 'public') returning id",
    [users[0]!.id],
  );
  const videoId = rows[0]!.id;
  const token = (await signJwt(key, UPLOAD_AUDIENCE, users[0]!.id, { vid: videoId, max: 1024 ** 4 }, 3600))
    .token;
  await new Promise<void>((resolve, reject) =>
    new tus.Upload(data, {
      endpoint: `${farmUrl}/files/`,
      headers: { Authorization: `Bearer ${token}` },
      uploadSize: data.length,
      chunkSize: 64 * 1024 * 1024,
      onError: reject,
      onSuccess: () => resolve(),
    }).start(),
  );
  const uploaded = performance.now();
  options.onUploaded?.();
  let playableS = Number.NaN;
  for (;;) {
    const { rows: state } = await db.query<{ status: string; media: { dash?: string } | null }>(
      "select status, media from videos where id = $1",
      [videoId],
    );
    const now = (performance.now() - uploaded) / 1000;
    if (Number.isNaN(playableS) && state[0]?.media?.dash) playableS = now;
    if (state[0]?.status === "ready") return { videoId, playableS, readyS: now };
    if (state[0]?.status === "failed") {
      const { rows: errors } = await db.query<{ type: string; error: string }>(
        `select j.type, a.error from job_attempts a join jobs j on j.id = a.job_id
         where j.video_id = $1 and a.error is not null order by a.id`,
        [videoId],
      );
      throw new Error(`${label}: the video failed\n${errors.map((e) => `${e.type}: ${e.error}`).join("\n")}`);
    }
    if (now > 3600) throw new Error(`${label}: not ready after an hour`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
  }
}
