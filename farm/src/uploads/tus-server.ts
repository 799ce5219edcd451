/**
 * Resumable uploads (tus 1.0.0 via @tus/server) straight into object storage with S3
 * multipart (@tus/s3-store). Locks and the store's cache live in Postgres, so any farm node
 * can continue any upload. The upload id is the video id: one upload per video.
 */
import type http from "node:http";
import { type MetadataValue, S3Store } from "@tus/s3-store";
import { Server } from "@tus/server";
import { EVENTS, type Upload } from "@tus/utils";
import type pg from "pg";
import { UUID_PATTERN } from "../../../shared/api/common.ts";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import { ApiError, errorBody } from "../../../shared/errors/api-error.ts";
import { farmS3Settings, s3ClientConfig } from "../../../shared/storage/s3-client.ts";
import type { ObjectStorage } from "../storage/object-storage.ts";
import type { VideoStore } from "../videos/video-store.ts";
import { PgKvStore } from "./pg-kv-store.ts";
import { PgLocker } from "./pg-locker.ts";
import type { UploadAuth } from "./upload-auth.ts";

export const TUS_PATH = "/files";

export interface TusDeps {
  config: FarmConfig;
  db: pg.Pool;
  lockPool: pg.Pool;
  videos: VideoStore;
  auth: UploadAuth;
  storage: ObjectStorage;
  log: (line: string) => void;
}

export interface TusService {
  server: Server;
  /** Removes uploads idle for longer than UPLOAD_EXPIRY_S; returns how many videos it released. */
  expireAbandoned(): Promise<number>;
  /** Serves one tus request, then records the upload's progress from the new offset. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
  store: S3Store;
  locker: PgLocker;
}

/** The upload id (= video id) at the end of a tus URL path; undefined for anything else, `../` included. */
function uploadIdFrom(lastPathSegment: string | undefined): string | undefined {
  return lastPathSegment && UUID_PATTERN.test(lastPathSegment) ? lastPathSegment.toLowerCase() : undefined;
}

/** tus hooks report errors as {status_code, body}: use our JSON error shape there too. */
function tusError(err: unknown): { status_code: number; body: string } {
  const apiError = err instanceof ApiError ? err : new ApiError("internal", "upload failed", { cause: err });
  return { status_code: apiError.status, body: JSON.stringify(errorBody(apiError, "tus")) };
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw tusError(err);
  }
}

export function createTusService(deps: TusDeps): TusService {
  const { config, videos, auth } = deps;
  const cache = new PgKvStore<MetadataValue>(deps.db);
  const store = new S3Store({
    partSize: config.TUS_PART_SIZE_BYTES,
    expirationPeriodInMilliseconds: config.UPLOAD_EXPIRY_S * 1000,
    cache,
    s3ClientConfig: { ...s3ClientConfig(farmS3Settings(config)), bucket: config.S3_BUCKET },
  });
  const locker = new PgLocker(deps.lockPool, config.DATABASE_URL);

  const server = new Server({
    path: TUS_PATH,
    datastore: store,
    locker,
    relativeLocation: false,
    respectForwardedHeaders: true,
    disableTerminationForFinishedUploads: true,
    postReceiveInterval: 1000,
    // The id in the URL must look like a video id: `../`, empty or odd ids never reach storage.
    getFileIdFromRequest: (_req, lastPath) => uploadIdFrom(lastPath),
    namingFunction: (req) => guard(async () => (await auth.claims(req)).videoId),
    // Checked against Upload-Length before anything is stored: 413 for a file larger than the token allows.
    maxSize: async (req) => {
      try {
        return (await auth.claims(req)).maxBytes;
      } catch {
        return 1; // unauthenticated: the naming function has already refused it
      }
    },
    onIncomingRequest: (req, uploadId) =>
      guard(async () => {
        const claims = await auth.authorize(req, uploadId);
        if (req.method !== "POST") return;
        const video = await videos.find(uploadId);
        if (!video || video.deleted) throw new ApiError("not_found", "no such video");
        if (video.ownerId !== claims.ownerId)
          throw new ApiError("forbidden", "this video belongs to someone else");
        if (req.headers.get("upload-defer-length")) {
          throw new ApiError("bad_request", "declare the file size with Upload-Length");
        }
      }),
    onUploadCreate: (_req, upload) =>
      guard(async () => {
        if (!(await videos.claimUpload(upload.id, upload.size ?? 0))) {
          throw new ApiError("conflict", "this video already has an upload");
        }
        return {};
      }),
    onUploadFinish: (_req, upload) =>
      guard(async () => {
        await videos.uploadFinished(upload.id, upload.id, upload.size ?? upload.offset);
        deps.log(`upload ${upload.id} complete (${upload.size} bytes)`);
        return {};
      }),
    onResponseError: (_req, err) => {
      if ("status_code" in err) return undefined;
      return tusError(err);
    },
  });

  // During a long PATCH, tus reports progress every second; a short one ends before that.
  server.on(EVENTS.POST_RECEIVE, (_req, upload: Upload) => {
    void videos.uploadProgress(upload.id, upload.offset).catch(() => undefined);
  });
  server.on(EVENTS.POST_TERMINATE, (_req, _res, id: string) => {
    void videos.releaseUpload(id).catch(() => undefined);
  });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    await server.handle(req, res);
    const id = uploadIdFrom((req.url ?? "").split("?")[0]?.split("/").pop());
    const offset = Number(res.getHeader("upload-offset"));
    if (req.method === "PATCH" && res.statusCode === 204 && id && Number.isFinite(offset)) {
      await videos.uploadProgress(id, offset).catch(() => undefined);
    }
  };

  const expireAbandoned = async () => {
    const ids = await videos.idleUploads(config.UPLOAD_EXPIRY_S);
    for (const id of ids) {
      // Termination aborts the multipart upload and deletes the upload and .info objects;
      // the incomplete-part object (<id>.part) is ours to remove.
      await store
        .remove(id)
        .catch((err) => deps.log(`expire ${id}: ${(err as Error).message ?? String(err)}`));
      await deps.storage.deleteKeys([`${id}.part`]);
      await cache.delete(id); // S3Store clears its cache without waiting for it

      await videos.releaseUpload(id);
    }
    // Anything else past its expiry (e.g. a node died before recording progress).
    await store.deleteExpired().catch(() => 0);
    return ids.length;
  };

  return { server, handle, expireAbandoned, store, locker };
}
