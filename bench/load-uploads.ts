/**
 * The uploaders of bench/load: each is a signed-up user that, until time is up, creates a
 * video through the edge (POST /api/v1/videos) and uploads a file to the farm with the real
 * tus-js-client — then the check that nothing was lost: every finished upload's object in
 * the bucket is byte-identical to what was sent, and its video reached processing or ready.
 */
import { createHash, randomUUID } from "node:crypto";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type pg from "pg";
import * as tus from "tus-js-client";

export interface UploadRecord {
  videoId: string;
  sha256: string;
  bytes: number;
  /** POST /api/v1/videos at the edge. */
  createMs: number;
  /** The tus upload to the farm, until tus-js-client reports success. */
  uploadMs: number;
}

export interface UploadersResult {
  done: UploadRecord[];
  /** Upload attempts that failed for good (after tus-js-client's retries). */
  errors: string[];
  /** POST /api/v1/videos answered 429 (the per-user rate limit): waited out, not an error. */
  throttled: number;
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/**
 * The source with a unique MP4 `free` box appended: players and ffprobe skip it, and every
 * upload has its own bytes, so an upload stored under another's key would be caught.
 */
function uniqueCopy(source: Buffer): Buffer {
  const tag = Buffer.from(`movio-bench ${randomUUID()}`);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + tag.length, 0);
  header.write("free", 4, "ascii");
  return Buffer.concat([source, header, tag]);
}

export async function signUp(edge: string, label: string): Promise<string> {
  const response = await fetch(`${edge}/api/v1/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      email: `${label}-${randomUUID()}@example.com`,
      password: "a long enough password",
      displayName: label,
    }),
  });
  if (response.status !== 201) throw new Error(`sign-up: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

/** Creates a public video and uploads `data` to it; `throttledMs` when the edge said 429. */
export async function createAndUpload(
  edge: string,
  accessToken: string,
  data: Buffer,
  title: string,
): Promise<{ videoId: string; throttledMs?: number; createMs: number; uploadMs: number }> {
  const started = Date.now();
  const created = await fetch(`${edge}/api/v1/videos`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ title, visibility: "public" }),
  });
  if (created.status === 429) {
    const throttledMs = 1000 * Number(created.headers.get("retry-after") ?? 1);
    return { videoId: "", throttledMs, createMs: Date.now() - started, uploadMs: 0 };
  }
  if (created.status !== 201) throw new Error(`create video: ${created.status} ${await created.text()}`);
  const { video, upload } = (await created.json()) as {
    video: { id: string };
    upload: { endpoint: string; token: string };
  };
  const createMs = Date.now() - started;
  await new Promise<void>((resolve, reject) => {
    new tus.Upload(data, {
      endpoint: upload.endpoint,
      headers: { Authorization: `Bearer ${upload.token}` },
      retryDelays: [0, 500, 1000, 2000, 4000],
      onError: reject,
      onSuccess: () => resolve(),
    }).start();
  });
  return { videoId: video.id, createMs, uploadMs: Date.now() - started - createMs };
}

/**
 * `count` uploaders in parallel until `deadline`. Each paces itself to one new video per
 * `minIntervalMs`, under the edge's per-user limit on video creation.
 */
export async function runUploaders(options: {
  edge: string;
  count: number;
  source: Buffer;
  deadline: number;
  minIntervalMs: number;
}): Promise<UploadersResult> {
  const result: UploadersResult = { done: [], errors: [], throttled: 0 };
  const tokens = await Promise.all(
    Array.from({ length: options.count }, (_, i) => signUp(options.edge, `bench-uploader-${i}`)),
  );
  const uploader = async (token: string, n: number) => {
    for (let round = 0; Date.now() < options.deadline; round++) {
      const started = Date.now();
      const data = uniqueCopy(options.source);
      try {
        const { videoId, throttledMs, createMs, uploadMs } = await createAndUpload(
          options.edge,
          token,
          data,
          `Bench ${n}.${round}`,
        );
        if (throttledMs !== undefined) {
          result.throttled++;
          await new Promise((resolve) => setTimeout(resolve, throttledMs));
          continue;
        }
        result.done.push({ videoId, sha256: sha256(data), bytes: data.length, createMs, uploadMs });
      } catch (err) {
        result.errors.push((err as Error).message.split("\n")[0] ?? String(err));
      }
      const rest = options.minIntervalMs - (Date.now() - started);
      if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    }
  };
  await Promise.all(tokens.map((token, n) => uploader(token, n)));
  return result;
}

/** Nothing lost: each finished upload stored byte-identical, and its video processing or ready. */
export async function verifyUploads(
  records: UploadRecord[],
  s3: S3Client,
  bucket: string,
  db: pg.Client,
): Promise<string[]> {
  const problems: string[] = [];
  for (const record of records) {
    const object = await s3
      .send(new GetObjectCommand({ Bucket: bucket, Key: record.videoId }))
      .catch(() => undefined);
    const stored = object?.Body ? Buffer.from(await object.Body.transformToByteArray()) : undefined;
    if (!stored) problems.push(`${record.videoId}: no object in the bucket`);
    else if (sha256(stored) !== record.sha256) problems.push(`${record.videoId}: stored bytes differ`);
    const { rows } = await db.query<{ status: string }>("select status from videos where id = $1", [
      record.videoId,
    ]);
    const status = rows[0]?.status;
    if (status !== "processing" && status !== "ready") problems.push(`${record.videoId}: status ${status}`);
  }
  return problems;
}
