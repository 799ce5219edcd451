/**
 * Wires one farm node from its config: database pools, upload service, HTTP server. Used by
 * main.ts and by tests, which start real nodes in-process.
 */

import type http from "node:http";
import { hostname } from "node:os";
import type { FarmConfig } from "../../shared/config/farm-config.ts";
import { transcriptionOffReason } from "../../shared/config/transcription.ts";
import { createLogger, type Logger } from "../../shared/logging/logger.ts";
import { createS3Client, farmS3Settings } from "../../shared/storage/s3-client.ts";
import { createDbPool } from "./db/pool.ts";
import { createFarmServer } from "./http/server.ts";
import { purgeHandler } from "./jobs/purge-job.ts";
import { retireMediaHandler } from "./jobs/retire-media-job.ts";
import { createMailTransport, sendEmailHandler } from "./mail/send-email-job.ts";
import { Maintenance } from "./maintenance.ts";
import { Ffmpeg } from "./media/ffmpeg.ts";
import { locateMediaTools, type MediaTools } from "./media/ffmpeg-locate.ts";
import { FarmMetrics } from "./metrics/farm-metrics.ts";
import { jobEventReporter } from "./metrics/job-events.ts";
import { JobStats } from "./metrics/job-stats.ts";
import { countS3Errors } from "./metrics/s3-metrics.ts";
import { NodeHeartbeat } from "./nodes/node-heartbeat.ts";
import { jobPolicies } from "./queue/job-policies.ts";
import { JobQueue } from "./queue/job-queue.ts";
import { JobRunner } from "./queue/job-runner.ts";
import { removeStaleScratch } from "./scratch.ts";
import { algoliaAdminClient } from "./search/algolia-client.ts";
import { indexVideoHandler } from "./search/index-video-job.ts";
import { SearchIndexer } from "./search/search-indexer.ts";
import { searchIndexQueue } from "./search/search-jobs.ts";
import { SearchWordsPrune } from "./search/search-words-prune.ts";
import { ObjectStorage } from "./storage/object-storage.ts";
import { publishSubtitlesHandler } from "./subtitles/publish-subtitles-job.ts";
import { autoCaptionsOnFirstPlayable } from "./subtitles/queue-auto-captions.ts";
import { SubtitleStore } from "./subtitles/subtitle-store.ts";
import { transcribeHandler } from "./subtitles/transcribe-job.ts";
import { translateHandler } from "./subtitles/translate-job.ts";
import { assembleVideoHandler } from "./transcode/assemble-job.ts";
import { ChunkRuns } from "./transcode/chunk-runs.ts";
import { encodeAudioHandler } from "./transcode/encode-audio-job.ts";
import { encodeChunkHandler } from "./transcode/encode-chunk-job.ts";
import { transcodeHandler } from "./transcode/transcode-job.ts";
import { VideoStore } from "./transcode/video-store.ts";
import { createTusService } from "./uploads/tus-server.ts";
import { UploadAuth, uploadKeySource } from "./uploads/upload-auth.ts";
import { deliverWebhookHandler, webhookEventHandler } from "./webhooks/webhook-jobs.ts";
import { WebhookStore } from "./webhooks/webhook-store.ts";

export interface FarmNode {
  nodeId: string;
  /** The node's logger (LOG_LEVEL, LOG_FORMAT; every line carries `node`). */
  logger: Logger;
  /** What GET /metrics serves. */
  metrics: FarmMetrics;
  /** Runs the abandoned-upload sweep now (it also runs on a timer). */
  expireAbandonedUploads(): Promise<number>;
  /** Runs every maintenance chore once now (they also run every MAINTENANCE_INTERVAL_MS). */
  runMaintenance(): Promise<void>;
  server: http.Server;
  /** Stops taking requests and closes every pool. */
  close(): Promise<void>;
}

export interface FarmNodeOptions {
  /** Where the node's log lines go (default: the console). */
  log?: (line: string) => void;
  media?: MediaTools;
  /** Run job runners on this node (default true). */
  work?: boolean;
}

export function createFarmNode(config: FarmConfig, options: FarmNodeOptions = {}): FarmNode {
  const nodeId = config.FARM_NODE_ID ?? `${hostname()}-${process.pid}`;
  const logger = createLogger({
    level: config.LOG_LEVEL,
    format: config.LOG_FORMAT,
    fields: { node: nodeId },
    ...(options.log ? { write: options.log } : {}),
  });
  const nodeLog = (line: string) => logger.info(line);
  const db = createDbPool(config, nodeId);
  const metrics = new FarmMetrics(
    nodeId,
    new JobStats(db, 5000, (err) =>
      logger.warn("reading job counts for /metrics failed", { error: err.message }),
    ),
  );
  const s3 = createS3Client(farmS3Settings(config));
  countS3Errors(s3, (operation) => metrics.s3Error(operation));
  const storage = new ObjectStorage(s3, config.S3_BUCKET);
  const search = searchIndexQueue(config);
  const videos = new VideoStore(
    db,
    search,
    { publicBaseUrl: config.PUBLIC_BASE_URL },
    autoCaptionsOnFirstPlayable(config),
  );
  const tus = createTusService({
    config,
    db,
    videos,
    auth: new UploadAuth(uploadKeySource(config)),
    storage,
    log: nodeLog,
    nodeId,
    metrics,
    // The transcode is claimed here at once rather than at the next poll (up to JOB_POLL_MS).
    onTranscodeQueued: () => runner.wake(),
  });
  void tus.locker.start();
  const server = createFarmServer({ config, db, tus, lockingUp: () => tus.locker.up, logger, metrics });

  const queue = new JobQueue(db, nodeId, config.JOB_LEASE_MS);
  const ffmpeg = new Ffmpeg(options.media ?? locateMediaTools(config), (tool, reason) =>
    metrics.ffmpegFailed(tool, reason),
  );
  const subtitles = new SubtitleStore(db, {
    maxTracks: config.SUBTITLE_MAX_TRACKS,
    maxCues: config.SUBTITLE_MAX_CUES,
    log: nodeLog,
  });
  const chunkRuns = new ChunkRuns(db, queue);
  const media = { config, ffmpeg, storage, videos, queue, subtitles, chunkRuns, log: nodeLog };
  const runner = new JobRunner(
    queue,
    jobPolicies(config),
    {
      transcode: transcodeHandler({ ...media, metrics }),
      encode_chunk: encodeChunkHandler(media),
      encode_audio: encodeAudioHandler(media),
      assemble_video: assembleVideoHandler(media),
      purge_video: purgeHandler({ db, storage, chunkRuns, discardUpload: tus.discard, log: nodeLog }),
      retire_media: retireMediaHandler({ db, storage, log: nodeLog }),
      publish_subtitles: publishSubtitlesHandler({ db, storage, subtitles, search, log: nodeLog }),
      translate_subtitles: translateHandler({ db, queue, config, log: nodeLog }),
      transcribe_audio: transcribeHandler({ db, queue, storage, ffmpeg, config, log: nodeLog }),
      webhook_event: webhookEventHandler({ db, queue, config, log: nodeLog }),
      deliver_webhook: deliverWebhookHandler({ db, queue, config, log: nodeLog }),
      // Only with SMTP_URL; without it mail waits in the queue for a node that can send.
      ...(config.SMTP_URL
        ? {
            send_email: sendEmailHandler({
              transport: createMailTransport({ SMTP_URL: config.SMTP_URL, MAIL_FROM: config.MAIL_FROM }),
              from: config.MAIL_FROM,
              log: nodeLog,
            }),
          }
        : {}),
      // Only with Algolia search; Postgres search needs no job (its documents are triggers').
      ...(config.SEARCH_PROVIDER === "algolia"
        ? {
            index_video: indexVideoHandler({
              indexer: new SearchIndexer(db, algoliaAdminClient(config), config.ALGOLIA_INDEX),
              log: nodeLog,
            }),
          }
        : {}),
    },
    {
      pollMs: config.JOB_POLL_MS,
      leaseMs: config.JOB_LEASE_MS,
      log: nodeLog,
      onEvent: jobEventReporter(logger, metrics),
    },
  );
  if (options.work !== false) {
    const captionsOff = transcriptionOffReason(config);
    nodeLog(
      captionsOff ? `automatic captions off: ${captionsOff}` : "automatic captions on (Amazon Transcribe)",
    );
    void removeStaleScratch(config.FARM_TMP_DIR).then(
      (n) => n > 0 && nodeLog(`removed ${n} scratch directories of crashed runs`),
      () => undefined,
    );
    runner.start();
  }

  const heartbeat = new NodeHeartbeat(db, nodeId, {
    intervalMs: config.FARM_HEARTBEAT_MS,
    workers: options.work !== false,
    log: nodeLog,
  });
  heartbeat.start();
  const webhooks = new WebhookStore(db, config.WEBHOOK_RETRY_WINDOW_S);

  const searchWords = new SearchWordsPrune(db);
  const maintenance = new Maintenance(
    [
      { name: "unrecorded upload finishes recovered", run: () => tus.recoverFinished() },
      { name: "abandoned uploads expired", run: () => tus.expireAbandoned() },
      { name: "finished jobs deleted", run: () => queue.deleteFinished(config.JOB_RETENTION_DAYS) },
      { name: "cancelled jobs of vanished runners settled", run: () => queue.settleAbandonedCancels() },
      {
        name: "old webhook deliveries deleted",
        run: () => webhooks.deleteOld(config.WEBHOOK_RETENTION_DAYS),
      },
      { name: "farm nodes gone for a week forgotten", run: () => heartbeat.forgetGone() },
      { name: "search words no public video holds pruned", run: () => searchWords.run() },
    ],
    // Short expiry periods (tests, small deployments) need the sweep at least that often.
    Math.min(config.MAINTENANCE_INTERVAL_MS, config.UPLOAD_EXPIRY_S * 1000),
    nodeLog,
  );
  maintenance.start();

  return {
    nodeId,
    logger,
    metrics,
    expireAbandonedUploads: () => tus.expireAbandoned(),
    runMaintenance: () => maintenance.runOnce(),
    server,
    close: async () => {
      // Stop taking uploads at once; uploads in flight and running jobs get the grace period,
      // then connections are cut (tus clients resume on another node) and jobs go back to the queue.
      const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_GRACE_MS).unref();
      await runner.stop(config.SHUTDOWN_GRACE_MS);
      await httpClosed;
      clearTimeout(cut);
      await maintenance.stop();
      await heartbeat.stop();
      await tus.locker.close();
      await db.end();
      s3.destroy();
    },
  };
}
