/**
 * One file's resumable upload to the farm with tus-js-client: the upload id is the video id,
 * so a video has one tus upload and its URL is `<endpoint><videoId>`. Resumes after a
 * dropped connection (retries with growing delays, and again when the browser is back
 * online) and after a reload (tus fingerprints in localStorage, or the upload URL itself).
 * The upload token is renewed before it expires or when the farm refuses it.
 */
import * as tus from "tus-js-client";
import { bytes } from "../../../shared/web/format.ts";

export interface Ticket {
  endpoint: string;
  token: string;
  expiresAt: string;
  maxBytes: number;
}

export interface UploadEvents {
  progress(sent: number, total: number): void;
  success(): void;
  /** A failure the upload cannot get past by itself, in words. */
  failure(message: string): void;
  /** The connection dropped; tus is retrying (message) or has resumed (null). */
  trouble(message: string | null): void;
}

/** Renew the token this long before it expires. */
const RENEW_MARGIN_MS = 5 * 60_000;
const RETRY_DELAYS = [0, 1000, 2000, 4000, 8000, 15_000, 30_000, 30_000, 60_000, 60_000];

export class VideoUpload {
  private readonly upload: tus.Upload;
  private ticket: Ticket;
  private renewNext = false;
  private running = false;
  private troubled = false;

  constructor(
    file: File,
    private readonly videoId: string,
    ticket: Ticket,
    private readonly renew: () => Promise<Ticket>,
    private readonly events: UploadEvents,
  ) {
    this.ticket = ticket;
    this.upload = new tus.Upload(file, {
      endpoint: ticket.endpoint,
      metadata: { filename: file.name, filetype: file.type || "application/octet-stream" },
      uploadSize: file.size,
      retryDelays: RETRY_DELAYS,
      removeFingerprintOnSuccess: true,
      // The token is set here only (XHR would join a second Authorization header to the first).
      onBeforeRequest: (req) => this.authorize(req),
      onShouldRetry: (err) => this.shouldRetry(err),
      onProgress: (sent, total) => {
        if (this.troubled) {
          this.troubled = false;
          this.events.trouble(null);
        }
        this.events.progress(sent, total);
      },
      onSuccess: () => {
        this.running = false;
        this.events.success();
      },
      onError: (err) => {
        this.running = false;
        this.events.failure(describeUploadError(err, ticket.maxBytes));
      },
    });
    addEventListener("online", () => {
      // Retries ran out while offline: the browser says it is back, so carry on.
      if (!this.running && this.troubled) this.resume();
    });
  }

  /**
   * Starts, or continues an upload begun earlier (another page load): from tus's
   * fingerprint of this file when it has one for this video, else from the video's upload URL.
   */
  async start(continuing: boolean): Promise<void> {
    if (continuing) {
      const previous = await this.upload.findPreviousUploads().catch(() => []);
      const mine = previous.find((p) => p.uploadUrl && uploadIdOf(p.uploadUrl) === this.videoId);
      if (mine) this.upload.resumeFromPreviousUpload(mine);
      else this.upload.url = new URL(this.videoId, this.ticket.endpoint).href;
    }
    this.resume();
  }

  pause(): void {
    this.running = false;
    void this.upload.abort(false);
  }

  resume(): void {
    this.running = true;
    this.upload.start();
  }

  /** Stops and removes the upload's bytes from the farm (tus termination). */
  async cancel(): Promise<void> {
    this.running = false;
    await this.upload.abort(true).catch(() => undefined);
  }

  private async authorize(req: tus.HttpRequest): Promise<void> {
    if (this.renewNext || Date.parse(this.ticket.expiresAt) - Date.now() < RENEW_MARGIN_MS) {
      this.renewNext = false;
      this.ticket = await this.renew();
    }
    req.setHeader("Authorization", `Bearer ${this.ticket.token}`);
  }

  private shouldRetry(err: tus.DetailedError): boolean {
    const status = err.originalResponse?.getStatus() ?? 0;
    const method = err.originalRequest?.getMethod();
    let retry = status === 0 || status >= 500 || status === 423;
    // 409 on a PATCH: the offset moved under us (an earlier request finished late); HEAD again.
    if (status === 409 && method === "PATCH") retry = true;
    // The token expired or was refused: ask the edge for a fresh one, once per failure.
    if (status === 401) {
      this.renewNext = true;
      retry = true;
    }
    if (retry && (status === 0 || status >= 500)) {
      this.troubled = true;
      this.events.trouble(
        navigator.onLine
          ? "The connection to the upload server dropped. Retrying…"
          : "You are offline. The upload continues when the connection is back.",
      );
    }
    return retry;
  }
}

/** The last path segment of a tus upload URL (the video id). */
const uploadIdOf = (url: string) => new URL(url).pathname.split("/").filter(Boolean).pop();

/** What went wrong, in words: the farm's JSON error when it sent one. */
export function describeUploadError(err: Error, maxBytes: number): string {
  const response = (err as tus.DetailedError).originalResponse;
  if (!response) {
    return "The upload server cannot be reached. Check your connection, then press Resume.";
  }
  const status = response.getStatus();
  let code = "";
  let message = "";
  try {
    const body = JSON.parse(response.getBody()) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? "";
    message = body.error?.message ?? "";
  } catch {
    // Not JSON: a proxy's page; the status says enough.
  }
  switch (code || String(status)) {
    case "payload_too_large":
    case "413":
      return `This file is too large: this server accepts files up to ${bytes(maxBytes)}.`;
    case "quota_exceeded":
      return `Too many uploads at once: ${message || "finish or cancel one first"}.`;
    case "gone":
    case "410":
      return "This upload was cancelled or has expired. Choose the file again to start over.";
    case "unauthorized":
    case "token_expired":
    case "token_invalid":
    case "401":
      return "The upload permission has expired. Reload the page and choose the file again to continue.";
    case "forbidden":
    case "403":
      return message ? capitalise(message) : "This upload is not yours.";
    case "conflict":
      return "This video already has a file being uploaded. Choose the same file again to continue it.";
    default:
      if (status === 0 || status >= 500) {
        return "The upload server had a problem. Press Resume to try again; what was sent is kept.";
      }
      return message ? capitalise(message) : `The upload was refused (${status}).`;
  }
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
