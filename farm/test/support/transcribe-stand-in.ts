/**
 * A stand-in for Amazon Transcribe's batch API at the HTTP level (JSON 1.1: X-Amz-Target
 * `Transcribe.StartTranscriptionJob`, `GetTranscriptionJob`, `DeleteTranscriptionJob`), so
 * the real SDK client is what the tests exercise. Like the service it refuses a job name that
 * exists (ConflictException) and reads the media from the bucket when the job starts: an
 * object that is missing or not mono 16 kHz FLAC (checked with ffprobe) fails the job with a
 * FailureReason. A job completes after `pollsToComplete` GetTranscriptionJob calls, writing
 * its transcript (results.transcripts + results.items, speaker labels when asked) to
 * OutputBucketName/OutputKey in the same bucket — words from `script`, the speech fixture's
 * known words and times. It can be told to throttle or to fail jobs. Every request is recorded.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { SpokenWord } from "./speech-fixture.ts";

const run = promisify(execFile);
const PREFIX = "Transcribe.";
const JSON_11 = "application/x-amz-json-1.1";

interface Failure {
  type: string;
  status: number;
  message: string;
}

export interface StandInJob {
  name: string;
  status: "IN_PROGRESS" | "COMPLETED" | "FAILED";
  mediaUri: string;
  languageCode?: string;
  identify: boolean;
  outputBucket: string;
  outputKey: string;
  speakers: number;
  failureReason?: string;
  polls: number;
}

export interface RecordedCall {
  operation: string;
  body: Record<string, unknown>;
  status: number;
  signed: boolean;
}

export class TranscribeStandIn {
  readonly calls: RecordedCall[] = [];
  readonly jobs = new Map<string, StandInJob>();
  /** Names DeleteTranscriptionJob was called with (for jobs that existed). */
  readonly deleted: string[] = [];
  /** The words every job "hears". */
  script: SpokenWord[] = [];
  /** What IdentifyLanguage finds. */
  identified = "en-US";
  /** GetTranscriptionJob calls a job answers IN_PROGRESS to before it completes. */
  pollsToComplete = 1;
  private next = new Map<string, Failure[]>();
  private failJobs: string | undefined;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    private s3: S3Client | undefined,
  ) {}

  /**
   * Listening at once; `s3` reaches the bucket the jobs name (given later with `attach` when
   * the bucket's server starts after the stand-in, as in the stack tests).
   */
  static async start(s3?: S3Client): Promise<TranscribeStandIn> {
    let standIn: TranscribeStandIn | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        standIn?.answer(req, Buffer.concat(chunks).toString("utf8"), res).catch((err: Error) => {
          res.writeHead(500, { "content-type": JSON_11 });
          res.end(JSON.stringify({ __type: "InternalFailureException", message: err.message }));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    standIn = new TranscribeStandIn(server, url, s3);
    return standIn;
  }

  attach(s3: S3Client): void {
    this.s3 = s3;
  }

  private bucket(): S3Client {
    if (!this.s3) throw new Error("the stand-in has no S3 client yet (attach one)");
    return this.s3;
  }

  /** The next `times` calls of `operation` get this error (default: throttling). */
  failNext(
    operation: string,
    times: number,
    type = "LimitExceededException",
    status = 400,
    message = "You have exceeded the rate limit.",
  ): void {
    const list = this.next.get(operation) ?? [];
    for (let i = 0; i < times; i++) list.push({ type, status, message });
    this.next.set(operation, list);
  }

  /** Jobs started from now on end FAILED with this reason (undefined: they succeed again). */
  failJobsWith(reason: string | undefined): void {
    this.failJobs = reason;
  }

  reset(): void {
    this.calls.length = 0;
    this.jobs.clear();
    this.deleted.length = 0;
    this.next.clear();
    this.failJobs = undefined;
    this.script = [];
    this.identified = "en-US";
    this.pollsToComplete = 1;
  }

  calledWith(operation: string): RecordedCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async answer(req: http.IncomingMessage, raw: string, res: http.ServerResponse): Promise<void> {
    const target = String(req.headers["x-amz-target"] ?? "");
    const operation = target.startsWith(PREFIX) ? target.slice(PREFIX.length) : target;
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    const call: RecordedCall = {
      operation,
      body,
      status: 200,
      signed: /^AWS4-HMAC-SHA256 /.test(req.headers.authorization ?? ""),
    };
    this.calls.push(call);
    const reply = (status: number, payload: unknown) => {
      call.status = status;
      res.writeHead(status, { "content-type": JSON_11, "x-amzn-requestid": crypto.randomUUID() });
      res.end(JSON.stringify(payload));
    };
    const fail = (f: Failure) => {
      call.status = f.status;
      res.writeHead(f.status, {
        "content-type": JSON_11,
        "x-amzn-errortype": f.type,
        "x-amzn-requestid": crypto.randomUUID(),
      });
      res.end(JSON.stringify({ __type: f.type, Message: f.message }));
    };
    if (req.method !== "POST" || req.headers["content-type"] !== JSON_11 || !call.signed) {
      return fail({ type: "UnknownOperationException", status: 400, message: "unexpected request" });
    }
    const queued = this.next.get(operation)?.shift();
    if (queued) return fail(queued);
    const name = String(body.TranscriptionJobName ?? "");
    switch (operation) {
      case "StartTranscriptionJob": {
        if (!/^[0-9a-zA-Z._-]{1,200}$/.test(name)) {
          return fail({ type: "BadRequestException", status: 400, message: "invalid TranscriptionJobName" });
        }
        if (this.jobs.has(name)) {
          return fail({
            type: "ConflictException",
            status: 400,
            message: "The requested job name already exists. Use a different job name.",
          });
        }
        const media = (body.Media as { MediaFileUri?: string } | undefined)?.MediaFileUri ?? "";
        const identify = body.IdentifyLanguage === true;
        const languageCode = typeof body.LanguageCode === "string" ? body.LanguageCode : undefined;
        if (!identify === !languageCode) {
          return fail({
            type: "BadRequestException",
            status: 400,
            message: "Specify exactly one of LanguageCode and IdentifyLanguage.",
          });
        }
        if (languageCode && !/^[a-z]{2}-[A-Z]{2}$/.test(languageCode)) {
          return fail({
            type: "BadRequestException",
            status: 400,
            message: `The language code ${languageCode} isn't supported.`,
          });
        }
        const settings = body.Settings as
          | { ShowSpeakerLabels?: boolean; MaxSpeakerLabels?: number }
          | undefined;
        const job: StandInJob = {
          name,
          status: "IN_PROGRESS",
          mediaUri: media,
          identify,
          ...(languageCode ? { languageCode } : {}),
          outputBucket: String(body.OutputBucketName ?? ""),
          outputKey: String(body.OutputKey ?? `${name}.json`),
          speakers: settings?.ShowSpeakerLabels ? (settings.MaxSpeakerLabels ?? 2) : 0,
          polls: 0,
        };
        const problem = this.failJobs ?? (await this.checkMedia(media));
        if (problem) {
          job.status = "FAILED";
          job.failureReason = problem;
        }
        this.jobs.set(name, job);
        return reply(200, { TranscriptionJob: this.describe(job) });
      }
      case "GetTranscriptionJob": {
        const job = this.jobs.get(name);
        if (!job) {
          return fail({
            type: "NotFoundException",
            status: 400,
            message: "The requested job couldn't be found.",
          });
        }
        job.polls++;
        if (job.status === "IN_PROGRESS" && job.polls > this.pollsToComplete) {
          await this.complete(job);
        }
        return reply(200, { TranscriptionJob: this.describe(job) });
      }
      case "DeleteTranscriptionJob": {
        if (!this.jobs.delete(name)) {
          return fail({
            type: "NotFoundException",
            status: 400,
            message: "The requested job couldn't be found.",
          });
        }
        this.deleted.push(name);
        return reply(200, {});
      }
      default:
        return fail({ type: "UnknownOperationException", status: 400, message: `unknown ${operation}` });
    }
  }

  private describe(job: StandInJob) {
    const language = job.languageCode ?? (job.status === "COMPLETED" ? this.identified : undefined);
    return {
      TranscriptionJobName: job.name,
      TranscriptionJobStatus: job.status,
      Media: { MediaFileUri: job.mediaUri },
      ...(language ? { LanguageCode: language } : {}),
      ...(job.identify ? { IdentifyLanguage: true } : {}),
      ...(job.failureReason ? { FailureReason: job.failureReason } : {}),
      ...(job.status === "COMPLETED"
        ? {
            Transcript: {
              TranscriptFileUri: `https://s3.amazonaws.com/${job.outputBucket}/${job.outputKey}`,
            },
          }
        : {}),
    };
  }

  /** Reads the media as the service would; the reason it cannot be transcribed, if any. */
  private async checkMedia(uri: string): Promise<string | undefined> {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (!match) return "The URI that you provided doesn't point to an S3 object.";
    const dir = await mkdtemp(path.join(os.tmpdir(), "transcribe-stand-in-"));
    try {
      const object = await this.bucket()
        .send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }))
        .catch(() => undefined);
      if (!object?.Body) return "The URI that you provided doesn't point to an S3 object.";
      const file = path.join(dir, "media");
      await writeFile(file, await object.Body.transformToByteArray());
      const { stdout } = await run("ffprobe", [
        "-v",
        "error",
        "-show_entries",
        "stream=codec_type,codec_name,channels,sample_rate",
        "-of",
        "json",
        file,
      ]).catch(() => ({ stdout: "{}" }));
      const streams = (JSON.parse(stdout) as { streams?: Record<string, unknown>[] }).streams ?? [];
      const audio = streams.filter((s) => s.codec_type === "audio");
      if (streams.length !== 1 || audio.length !== 1) {
        return "The media format provided does not match the detected media format.";
      }
      const a = audio[0] as { codec_name?: string; channels?: number; sample_rate?: string };
      if (a.codec_name !== "flac" || a.channels !== 1 || a.sample_rate !== "16000") {
        return `Expected mono 16 kHz FLAC, got ${a.codec_name} ${a.channels} ch ${a.sample_rate} Hz.`;
      }
      return undefined;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Writes the transcript JSON as the service lays it out, and marks the job COMPLETED. */
  private async complete(job: StandInJob): Promise<void> {
    const items: Record<string, unknown>[] = [];
    const sec = (ms: number) => (ms / 1000).toFixed(3);
    for (const word of this.script) {
      const [, bare = word.text, punct = ""] = /^(.*?)([.,?!]*)$/.exec(word.text) ?? [];
      items.push({
        id: items.length,
        type: "pronunciation",
        start_time: sec(word.startMs),
        end_time: sec(word.endMs),
        alternatives: [{ confidence: "0.98", content: bare }],
        ...(job.speakers && word.speaker ? { speaker_label: word.speaker } : {}),
      });
      for (const p of punct) {
        items.push({
          id: items.length,
          type: "punctuation",
          alternatives: [{ confidence: "0.0", content: p }],
        });
      }
    }
    const transcript = {
      jobName: job.name,
      accountId: "000000000000",
      status: "COMPLETED",
      results: {
        language_code: job.languageCode ?? this.identified,
        transcripts: [{ transcript: this.script.map((w) => w.text).join(" ") }],
        items,
      },
    };
    await this.bucket().send(
      new PutObjectCommand({
        Bucket: job.outputBucket,
        Key: job.outputKey,
        Body: JSON.stringify(transcript),
        ContentType: "application/json",
      }),
    );
    job.status = "COMPLETED";
  }
}
