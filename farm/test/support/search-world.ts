/**
 * The search contract's world: the edge's own services run in Node — drizzle's neon-http over
 * the local `POST /sql` endpoint (scripts/local/neon-http.ts, the protocol Neon serves), built
 * by the edge's provider factory from a config parsed by the edge's schema — beside a real
 * farm node running jobs. Videos become ready through the farm's own publish (VideoStore),
 * subtitles arrive and leave through the edge's SubtitleService, edits and deletions through
 * its VideoService: every change takes the path it takes in production, jobs included.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { inject } from "vitest";
// The edge's modules, imported as the Worker bundles them (they only need fetch and WebCrypto).
import { getKeyRing } from "../../../edge/src/auth/keys.ts";
import { databaseFor } from "../../../edge/src/db/request-db.ts";
import {
  type SearchInput,
  type SearchProvider,
  searchProviderFor,
} from "../../../edge/src/services/search/search-provider.ts";
import { SubtitleService } from "../../../edge/src/services/subtitle-service.ts";
import type { Viewer } from "../../../edge/src/services/video-access.ts";
import { VideoService } from "../../../edge/src/services/video-service.ts";
import { startWsBridge, type WsBridge } from "../../../scripts/local/ws-bridge.ts";
import { generatePrivateJwk } from "../../../shared/auth/jwt.ts";
import { type EdgeConfig, edgeConfigSchema } from "../../../shared/config/edge-config.ts";
import { parseEnv } from "../../../shared/config/env-parse.ts";
import { JobQueue } from "../../src/queue/job-queue.ts";
import { searchIndexQueue } from "../../src/search/search-jobs.ts";
import { VideoStore } from "../../src/transcode/video-store.ts";
import type { AlgoliaStandIn } from "./algolia-stand-in.ts";
import { db, farmConfig, startNode, testS3 } from "./farm-env.ts";
import { waitFor } from "./wait-for.ts";

export const CDN = "https://cdn.search-test.example";

/** Edge and farm variables for Algolia search through the stand-in (both sides' keys). */
export function algoliaEnv(standIn: AlgoliaStandIn, indexName: string): Record<string, string> {
  return {
    SEARCH_PROVIDER: "algolia",
    ALGOLIA_APP_ID: standIn.appId,
    ALGOLIA_SEARCH_KEY: standIn.searchKey,
    ALGOLIA_ADMIN_KEY: standIn.adminKey,
    ALGOLIA_HOSTS: standIn.url,
    ALGOLIA_INDEX: indexName,
  };
}

export interface SearchWorld {
  edge: EdgeConfig;
  provider: () => SearchProvider;
  videos: VideoService;
  subtitles: SubtitleService;
  store: VideoStore;
  /** Waits until no job of these videos is queued or running (the farm caught up). */
  settle(videoIds: string[]): Promise<void>;
  close(): Promise<void>;
}

// One bridge for the test file: the edge keeps one database handle per connection string.
let bridge: WsBridge | undefined;

/** Closes the `POST /sql` endpoint the worlds of this file shared (call in the file's afterAll). */
export async function closeSqlBridge(): Promise<void> {
  await bridge?.close();
  bridge = undefined;
}

export async function startSearchWorld(env: Record<string, string>): Promise<SearchWorld> {
  const databaseUrl = inject("databaseUrl");
  bridge ??= await startWsBridge({ port: 0, database: new URL(databaseUrl).host });
  const edge = parseEnv(
    edgeConfigSchema,
    {
      DATABASE_URL: databaseUrl,
      DB_WS_PROXY: `127.0.0.1:${bridge.port}`,
      JWT_PRIVATE_JWK: JSON.stringify(await generatePrivateJwk("search-test")),
      CDN_TOKEN_SECRET: "search-test-cdn-secret-7d1e",
      CDN_BASE_URL: CDN,
      ...env,
    },
    "edge",
  );
  const database = databaseFor(edge);
  const { node } = await startNode({ ...env, JOB_POLL_MS: "50" }, { work: true });
  return {
    edge,
    // As http/services.ts builds it for each request.
    provider: () => searchProviderFor(database, edge),
    videos: new VideoService(database, edge, await getKeyRing(edge)),
    subtitles: new SubtitleService(database, edge),
    store: new VideoStore(db(), searchIndexQueue(farmConfig(env))),
    settle: (videoIds) =>
      waitFor(
        "the farm's jobs of these videos",
        async () => {
          const { rows } = await db().query(
            "select 1 from jobs where video_id = any($1::uuid[]) and state in ('queued', 'running') limit 1",
            [videoIds],
          );
          return rows.length === 0 ? true : undefined;
        },
        30_000,
      ).then(() => undefined),
    close: () => node.close(),
  };
}

/** A user, as the edge would have signed them up. */
export async function newOwner(displayName: string): Promise<Viewer> {
  const { rows } = await db().query<{ id: string }>(
    "insert into users (email, password_hash, display_name) values ($1, 'x', $2) returning id",
    [`search-${crypto.randomUUID()}@example.com`, displayName],
  );
  return { id: rows[0]!.id, role: "viewer" };
}

export interface VideoSpec {
  title: string;
  description?: string;
  visibility?: "public" | "unlisted" | "private";
  language?: string | null;
  /** Created this many days ago (ties in ranking go to the newer). */
  ageDays?: number;
}

/**
 * A video taken through the farm's publish (processing → ready, in the transaction that also
 * queues its indexing with Algolia), with base manifests in storage so later subtitle
 * publishes work. No encoding: the media files are not needed by search.
 */
export async function readyVideo(world: SearchWorld, owner: Viewer, spec: VideoSpec): Promise<string> {
  const { rows } = await db().query<{ id: string }>(
    `insert into videos (owner_id, title, description, visibility, language, status, source_key, created_at)
     values ($1, $2, $3, $4, $5, 'processing', 'source', now() - ($6 || ' days')::interval) returning id`,
    [
      owner.id,
      spec.title,
      spec.description ?? "",
      spec.visibility ?? "public",
      spec.language ?? null,
      String(spec.ageDays ?? 0),
    ],
  );
  const videoId = rows[0]!.id;
  const prefix = `media/${videoId}/1-search/`;
  const s3 = testS3();
  try {
    for (const [name, body] of Object.entries(BASE_MANIFESTS)) {
      await s3.send(new PutObjectCommand({ Bucket: "movio", Key: `${prefix}${name}`, Body: body }));
    }
  } finally {
    s3.destroy();
  }
  // The transcode job this publish completes, held by this test (a live lease no runner takes).
  const { rows: jobs } = await db().query<{ id: string }>(
    `insert into jobs (type, video_id, payload, state, attempts, locked_by, locked_until)
     values ('transcode', $1, '{"sourceKey":"source"}', 'running', 1, 'search-test', now() + interval '1 hour')
     returning id`,
    [videoId],
  );
  const published = await world.store.publish(
    new JobQueue(db(), "search-test", 60_000),
    {
      id: Number(jobs[0]!.id),
      type: "transcode",
      videoId,
      payload: { sourceKey: "source" },
      attempts: 1,
      lockedBy: "search-test",
    },
    {
      prefix,
      durationMs: 4 * 3600_000,
      renditions: [],
      media: { dash: "manifest.mpd", hls: "master.m3u8", poster: "poster.jpg", storyboard: null },
      subtitlesVersion: 0,
    },
  );
  if (!published) throw new Error("publish refused");
  return videoId;
}

const BASE_MANIFESTS = {
  "manifest.mpd":
    '<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static">\n\t<Period id="0">\n\t</Period>\n</MPD>\n',
  "master.m3u8":
    '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-STREAM-INF:BANDWIDTH=500000,CODECS="avc1.64001f"\nv0.m3u8\n',
};

export interface CueSpec {
  startMs: number;
  endMs: number;
  text: string;
}

/** Uploads a WebVTT track through the edge (which queues publish_subtitles, as the API does). */
export async function uploadTrack(
  world: SearchWorld,
  owner: Viewer,
  videoId: string,
  lang: string,
  cues: CueSpec[],
): Promise<void> {
  const stamp = (ms: number) => new Date(ms).toISOString().slice(11, 23);
  const vtt = `WEBVTT\n\n${cues.map((c) => `${stamp(c.startMs)} --> ${stamp(c.endMs)}\n${c.text}\n`).join("\n")}`;
  await world.subtitles.upload(videoId, lang, owner, async () => new TextEncoder().encode(vtt));
}

/** A word no other test uses (letters only, no shared trigrams worth speaking of). */
export const uniqueWord = () =>
  Array.from({ length: 10 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");

export const search = (world: SearchWorld, q: string, extra: Partial<SearchInput> = {}) =>
  world.provider().search({ q, limit: 20, ...extra });
