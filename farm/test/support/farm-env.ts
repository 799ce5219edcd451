/** Test support: farm config, nodes, videos and upload tokens against the shared real services. */
import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import pg from "pg";
import { inject } from "vitest";
import { importSigningKey, signJwt, UPLOAD_AUDIENCE } from "../../../shared/auth/jwt.ts";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import { createS3Client } from "../../../shared/storage/s3-client.ts";
import { readFarmConfig } from "../../src/config.ts";
import { createFarmNode, type FarmNode } from "../../src/farm-node.ts";

export function farmEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const { d: _d, ...publicJwk } = JSON.parse(inject("signingJwk")) as Record<string, string>;
  return {
    DATABASE_URL: inject("databaseUrl"),
    S3_ENDPOINT: inject("s3Endpoint"),
    S3_BUCKET: "movio",
    S3_ACCESS_KEY_ID: "movio-local",
    S3_SECRET_ACCESS_KEY: "movio-local",
    JWT_PUBLIC_JWKS: JSON.stringify({ keys: [publicJwk] }),
    TUS_PART_SIZE_BYTES: String(5 * 1024 * 1024),
    ...overrides,
  };
}

export function farmConfig(overrides: Record<string, string> = {}): FarmConfig {
  return readFarmConfig(farmEnv(overrides));
}

export async function startNode(
  overrides: Record<string, string> = {},
  options: { work?: boolean; log?: (line: string) => void } = {},
): Promise<{ node: FarmNode; url: string }> {
  const node = createFarmNode(farmConfig(overrides), {
    log: options.log ?? (() => undefined),
    work: options.work ?? false,
  });
  await new Promise<void>((resolve) => node.server.listen(0, "127.0.0.1", resolve));
  return { node, url: `http://127.0.0.1:${(node.server.address() as AddressInfo).port}` };
}

let pool: pg.Pool | undefined;
export function db(): pg.Pool {
  pool ??= new pg.Pool({ connectionString: inject("databaseUrl"), max: 4 });
  return pool;
}

export async function closeDb() {
  await pool?.end();
  pool = undefined;
}

/** A user and a video awaiting upload, as the edge would create them, plus its upload token. */
export async function newVideo(options: { maxBytes?: number; ttlSeconds?: number } = {}) {
  const { rows: users } = await db().query<{ id: string }>(
    "insert into users (email, password_hash, display_name) values ($1, 'x', 'Farm Test') returning id",
    [`farm-${crypto.randomUUID()}@example.com`],
  );
  const ownerId = users[0]!.id;
  const { rows } = await db().query<{ id: string }>(
    "insert into videos (owner_id, title, visibility) values ($1, 'Upload test', 'public') returning id",
    [ownerId],
  );
  const videoId = rows[0]!.id;
  const token = await uploadToken(
    videoId,
    ownerId,
    options.maxBytes ?? 1024 ** 3,
    options.ttlSeconds ?? 3600,
  );
  return { videoId, ownerId, token };
}

export async function uploadToken(videoId: string, ownerId: string, maxBytes: number, ttlSeconds = 3600) {
  const key = await importSigningKey(inject("signingJwk"));
  return (await signJwt(key, UPLOAD_AUDIENCE, ownerId, { vid: videoId, max: maxBytes }, ttlSeconds)).token;
}

export async function videoRow(videoId: string) {
  const { rows } = await db().query<{
    status: string;
    progress: number;
    source_key: string | null;
    source_bytes: string | null;
  }>("select status, progress, source_key, source_bytes from videos where id = $1", [videoId]);
  return rows[0]!;
}

/** Every key under `prefix` in the tests' bucket, page by page. */
export async function bucketKeys(prefix: string): Promise<string[]> {
  const s3 = testS3();
  try {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: "movio", Prefix: prefix, ContinuationToken: token }),
      );
      keys.push(...(page.Contents ?? []).map((c) => c.Key ?? ""));
      token = page.NextContinuationToken;
    } while (token);
    return keys;
  } finally {
    s3.destroy();
  }
}

/** An S3 client on the tests' local S3 server (destroy it when done). */
export function testS3() {
  return createS3Client({
    endpoint: inject("s3Endpoint"),
    region: "us-east-1",
    accessKeyId: "movio-local",
    secretAccessKey: "movio-local",
    forcePathStyle: true,
  });
}

export async function storedObjectHash(key: string): Promise<string> {
  const s3 = testS3();
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: "movio", Key: key }));
    return sha256(Buffer.from(await object.Body!.transformToByteArray()));
  } finally {
    s3.destroy();
  }
}

export const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");
