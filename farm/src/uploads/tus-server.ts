/**
 * Resumable uploads (tus 1.0.0 via @tus/server) straight into object storage with S3
 * multipart (@tus/s3-store). Locks and the store's cache live in Postgres, so any farm node
 * can continue any upload. The upload id is the video id: one upload per video.
 */
import type http from "node:http";
import { Readable } from "node:stream";
import type { MetadataValue } from "@tus/s3-store";
import type { Server } from "@tus/server";
import { EVENTS, type Upload } from "@tus/utils";
import type pg from "pg";
import { UUID_PATTERN } from "../../../shared/api/common.ts";
import type { FarmConfig } from "../../../shared/config/farm-config.ts";
import { ApiError, errorBody } from "../../../shared/errors/api-error.ts";
import { farmS3Settings, s3ClientConfig } from "../../../shared/storage/s3-client.ts";
import type { FarmMetrics } from "../metrics/farm-metrics.ts";
import { countS3Errors } from "../metrics/s3-metrics.ts";
import { trackUploadRequest } from "../metrics/upload-metrics.ts";
import type { ObjectStorage } from "../storage/object-storage.ts";
import type { VideoStore } from "../transcode/video-store.ts";
import { FarmS3Store } from "./farm-s3-store.ts";
import { PgKvStore } from "./pg-kv-store.ts";
import { PgLocker } from "./pg-locker.ts";
import { JsonErrorTusServer, tusRequest } from "./tus-json-errors.ts";
import type { UploadAuth } from "./upload-auth.ts";
import { watchUploadRequest } from "./upload-watch.ts";

export const TUS_PATH = "/files";

/** An upload whose bytes are all stored but that nobody finished, quiet this long, is finished by the sweep. */
const STRANDED_AFTER_S = 60;

export interface TusDeps {
  config: FarmConfig;
  db: pg.Pool;
  videos: VideoStore;
  auth: UploadAuth;
  storage: ObjectStorage;
  log: (line: string) => void;
  nodeId: string;
  metrics?: FarmMetrics;
  /** An upload finished here and its transcode is queued: this node's runner may claim it at once. */
  onTranscodeQueued?: () => void;
}

export interface TusService {
  server: Server;
  /** Removes uploads idle for longer than UPLOAD_EXPIRY_S; returns how many videos it released. */
  expireAbandoned(): Promise<number>;
  /** Finds complete uploads whose finish was never recorded and records it; returns how many. */
  recoverFinished(): Promise<number>;
  /** Everything tus keeps for an upload: the multipart upload, `.info`, `.part`, the cache row. */
  discard(id: string): Promise<void>;
  /** Serves one tus request, then records the upload's progress from the new offset. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
  locker: PgLocker;
}

/** The upload id (= video id) at the end of a tus URL path; undefined for anything else, `../` included. */
function uploadIdFrom(lastPathSegment: string | undefined): string | undefined {
  return lastPathSegment && UUID_PATTERN.test(lastPathSegment) ? lastPathSegment.toLowerCase() : undefined;
}

/** The id the farm server gave this request (x-request-id), as tus hooks see it. */
const requestIdOf = (req: { headers: Headers }) => req.headers.get("x-request-id") ?? "unknown";

/** S3 says the object or multipart upload is gone (deleted, expired, or never complete). */
const isMissingObject = (err: unknown) => ["NoSuchKey", "NoSuchUpload"].includes((err as Error)?.name);

/** tus hooks report errors as {status_code, body}: use our JSON error shape there too. */
function tusError(err: unknown, requestId: string): { status_code: number; body: string } {
  const apiError =
    err instanceof ApiError
      ? err
      : isMissingObject(err)
        ? new ApiError("not_found", "this upload is no longer in storage", { cause: err })
        : new ApiError("internal", "upload failed", { cause: err });
  return { status_code: apiError.status, body: JSON.stringify(errorBody(apiError, requestId)) };
}

export function createTusService(deps: TusDeps): TusService {
  const { config, videos, auth, storage } = deps;
  const cache = new PgKvStore<MetadataValue>(deps.db);
  const store = new FarmS3Store({
    partSize: config.TUS_PART_SIZE_BYTES,
    // Expiry is ours (expireAbandoned): it counts from the last byte received, while the
    // store's own would count from creation and cut a slow upload that is still moving.
    expirationPeriodInMilliseconds: 0,
    cache,
    s3ClientConfig: { ...s3ClientConfig(farmS3Settings(config)), bucket: config.S3_BUCKET },
  });
  const { metrics } = deps;
  if (metrics) countS3Errors(store.s3, (operation) => metrics.s3Error(operation));
  const locker = new PgLocker({
    connectionString: config.DATABASE_URL,
    waitMs: config.UPLOAD_LOCK_WAIT_MS,
    log: deps.log,
    applicationName: `movio-farm-locks ${deps.nodeId}`.slice(0, 63),
  });
  /** Runs a hook; what it throws leaves as our error shape, and anything unexpected is logged. */
  const guard = async <T>(req: { headers: Headers }, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof ApiError)) {
        deps.log(`tus request ${requestIdOf(req)} failed: ${(err as Error).stack ?? String(err)}`);
      }
      throw tusError(err, requestIdOf(req));
    }
  };
  /**
   * Videos a tus POST claimed in this process, until the POST has answered, by request id:
   * a POST's URL (`/files/`) names no upload, the token does.
   */
  const claimedHere = new Map<string, string>();
  /** Requests that passed authorisation for their upload (their bytes count as its activity). */
  const authorizedRequests = new Set<string>();

  /** Records a finish once the source object is really complete (never for a partial one). */
  const finish = async (id: string, announced?: number): Promise<boolean> => {
    const size = announced ?? (await videos.uploadingSize(id));
    if (size === undefined || size <= 0) return false;
    if ((await storage.objectSize(id)) !== size) return false;
    const moved = await videos.uploadFinished(id, id, size);
    if (moved) {
      deps.log(`upload ${id} complete (${size} bytes)`);
      deps.onTranscodeQueued?.();
    }
    return moved;
  };

  /**
   * Every part is stored but S3 never assembled the object (CompleteMultipartUpload failed
   * past its retries): tus reports offset = length all the same and the client stops there,
   * so the next HEAD assembles it, under the upload's lock.
   */
  const assemble = async (id: string, size: number) => {
    if ((await videos.uploadingSize(id)) !== size || (await storage.objectSize(id)) === size) return;
    const lock = locker.newLock(id);
    await lock.lock(new AbortController().signal, () => undefined);
    try {
      // An empty write at the end: S3Store completes the multipart upload and clears its cache.
      await store.write(Readable.from([]), id, size);
      deps.log(`upload ${id}: assembled the parts S3 had not put together`);
    } finally {
      await lock.unlock();
    }
  };

  const server = new JsonErrorTusServer({
    path: TUS_PATH,
    datastore: store,
    locker,
    relativeLocation: false,
    respectForwardedHeaders: true,
    disableTerminationForFinishedUploads: true,
    postReceiveInterval: 1000,
    // The id in the URL must look like a video id: `../`, empty or odd ids never reach storage.
    getFileIdFromRequest: (_req, lastPath) => uploadIdFrom(lastPath),
    namingFunction: (req) => guard(req, async () => (await auth.claims(req)).videoId),
    // Checked against Upload-Length before anything is stored: 413 for a file larger than the token allows.
    maxSize: async (req) => {
      try {
        return (await auth.claims(req)).maxBytes;
      } catch {
        return 1; // unauthenticated: the naming function has already refused it
      }
    },
    onIncomingRequest: (req, uploadId) =>
      guard(req, async () => {
        const claims = await auth.authorize(req, uploadId);
        const video = await videos.find(uploadId);
        if (!video) throw new ApiError("not_found", "no such video");
        if (!video.deleted && video.ownerId === claims.ownerId) authorizedRequests.add(requestIdOf(req));
        if (video.deleted) throw new ApiError("gone", "this video was deleted; its upload is gone");
        if (req.method !== "POST") return;
        if (video.ownerId !== claims.ownerId)
          throw new ApiError("forbidden", "this video belongs to someone else");
        if (req.headers.get("upload-defer-length")) {
          throw new ApiError("bad_request", "declare the file size with Upload-Length");
        }
        if (req.headers.get("upload-length") === "0") {
          throw new ApiError("bad_request", "the file is empty; choose a video file");
        }
      }),
    onUploadCreate: (req, upload) =>
      guard(req, async () => {
        // Stored as JSON in Postgres (pg-kv-store.ts), whose jsonb cannot hold a NUL: refused
        // here, before anything is stored, instead of failing every later request with a 500.
        if (Object.values(upload.metadata ?? {}).some((value) => value?.includes("\u0000"))) {
          throw new ApiError("bad_request", "Upload-Metadata values must not contain NUL characters");
        }
        const claim = await videos.claimUpload(
          upload.id,
          upload.size ?? 0,
          config.MAX_CONCURRENT_UPLOADS_PER_USER,
        );
        if (claim === "taken") throw new ApiError("conflict", "this video already has an upload");
        if (claim === "quota") {
          throw new ApiError(
            "quota_exceeded",
            `you have ${config.MAX_CONCURRENT_UPLOADS_PER_USER} uploads in progress; finish or cancel one first`,
          );
        }
        claimedHere.set(requestIdOf(req), upload.id);
        // A failed video uploaded again: its old source must not pass for the new one.
        await storage.deleteKeys([upload.id, `${upload.id}.info`, `${upload.id}.part`]);
        return {};
      }),
    onUploadFinish: (req, upload) =>
      guard(req, async () => {
        await finish(upload.id, upload.size ?? upload.offset);
        return {};
      }),
    onResponseError: (req, err) => {
      if ("status_code" in err) return undefined;
      // Unexpected (an S3 or database failure inside tus): logged with the id the client got.
      deps.log(`tus request ${requestIdOf(req)} failed: ${err.stack ?? err.message}`);
      return tusError(err, requestIdOf(req));
    },
  });

  // During a long PATCH, tus reports progress every second; a short one ends before that.
  server.on(EVENTS.POST_RECEIVE, (_req, upload: Upload) => {
    void videos.uploadProgress(upload.id, upload.offset).catch(() => undefined);
  });
  server.on(EVENTS.POST_TERMINATE, (_req, _res, id: string) => {
    void videos.releaseUpload(id).catch(() => undefined);
  });

  const discard = async (id: string) => {
    // remove() aborts the multipart upload and deletes the object and `.info`; it throws when
    // tus has nothing for the id any more, which is fine.
    await store.remove(id).catch(() => undefined);
    await storage.deleteKeys([`${id}.part`, `${id}.info`]);
    await cache.delete(id); // S3Store clears its cache without waiting for it
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const id = uploadIdFrom((req.url ?? "").split("?")[0]?.split("/").pop());
    const requestId = String(req.headers["x-request-id"] ?? "unknown");
    if (metrics) trackUploadRequest(metrics, req, res);
    const stopWatching =
      id && req.method === "PATCH"
        ? watchUploadRequest(req, id, videos, deps.log, () => authorizedRequests.has(requestId))
        : undefined;
    try {
      await tusRequest.run({ requestId, method: req.method ?? "" }, () => server.handle(req, res));
    } finally {
      stopWatching?.();
      authorizedRequests.delete(requestId);
    }
    const claimed = claimedHere.get(requestId);
    claimedHere.delete(requestId);
    const uploadId = id ?? claimed;
    if (!uploadId) return;
    await afterResponse(req, res, uploadId, claimed !== undefined).catch((err) =>
      deps.log(`upload ${uploadId}: after ${req.method}: ${(err as Error).message}`),
    );
  };

  /** Bookkeeping once tus has answered: progress, a missed finish, a refused creation, a deletion. */
  const afterResponse = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    id: string,
    claimed: boolean,
  ) => {
    const offset = Number(res.getHeader("upload-offset"));
    const length = Number(res.getHeader("upload-length") ?? Number.NaN);
    if (req.method === "POST") {
      if (claimed && res.statusCode !== 201) {
        // Claimed, but the store refused or failed: no dead end, the owner can try again.
        await discard(id);
        await videos.releaseUpload(id);
      }
      return;
    }
    if (req.method === "PATCH" && res.statusCode === 204 && Number.isFinite(offset)) {
      // The request's last bytes just arrived: expiry counts from here, not from the watch's
      // last once-a-second look.
      await videos.uploadActivity(id);
      await videos.uploadProgress(id, offset);
    }
    // The client sees offset = length and stops; if the finish was never recorded (the
    // database failed in onUploadFinish), this is where it is noticed.
    if (req.method === "HEAD" && res.statusCode === 200 && Number.isFinite(length) && offset === length) {
      await assemble(id, length);
      await finish(id);
    }
    if (req.method === "PATCH" && res.statusCode >= 400 && (await videos.find(id))?.deleted) {
      await discard(id); // a PATCH that was streaming when the video was deleted
    }
  };

  const expireAbandoned = async () => {
    const ids = await videos.idleUploads(config.UPLOAD_EXPIRY_S);
    metrics?.uploadFailed("expired", ids.length);
    for (const id of ids) {
      await discard(id).catch((err) => deps.log(`expire ${id}: ${(err as Error).message ?? String(err)}`));
      await videos.releaseUpload(id);
    }
    return ids.length;
  };

  const recoverFinished = async () => {
    let recovered = 0;
    for (const { id, sourceBytes } of await videos.unrecordedFinishes()) {
      if (await finish(id, sourceBytes)) recovered++;
    }
    // Every part stored but never assembled, and the client gone (no HEAD came to do it):
    // uploads quiet for a while whose stored offset has reached their size.
    for (const id of await videos.idleUploads(STRANDED_AFTER_S)) {
      const upload = await store.getUpload(id).catch(() => undefined);
      if (upload?.size === undefined || upload.offset !== upload.size) continue;
      await assemble(id, upload.size);
      if (await finish(id)) recovered++;
    }
    return recovered;
  };

  return { server, handle, expireAbandoned, recoverFinished, discard, locker };
}
