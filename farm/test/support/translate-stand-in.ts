/**
 * A stand-in for AWS Translate's TranslateText at the HTTP level (JSON 1.1 protocol), so the
 * real SDK client — signing, retries, error parsing — is what the tests exercise. It
 * "translates" by prefixing every text node with `[<target>] `, leaves tags as they are (as
 * the service does with HTML), refuses Text over 10,000 UTF-8 bytes like the service, and
 * can be told to fail, throttle or lose a cue from its replies. Every request is recorded.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

const TARGET = "AWSShineFrontendService_20170701.TranslateText";
const JSON_11 = "application/x-amz-json-1.1";

export interface RecordedRequest {
  text: string;
  bytes: number;
  source: string;
  target: string;
  /** The HTTP status the stand-in answered with. */
  status: number;
  signed: boolean;
}

interface Failure {
  type: string;
  status: number;
  message: string;
}

export class TranslateStandIn {
  readonly requests: RecordedRequest[] = [];
  /** What `auto` is detected as. */
  detected = "en";
  private next: Failure[] = [];
  private always: Failure | undefined;
  private drops = 0;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<TranslateStandIn> {
    let standIn: TranslateStandIn | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => standIn?.answer(req, Buffer.concat(chunks).toString("utf8"), res));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    standIn = new TranslateStandIn(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return standIn;
  }

  /** The next `times` requests get this error (e.g. 429 TooManyRequestsException). */
  failNext(times: number, type = "TooManyRequestsException", status = 429, message = "Rate exceeded"): void {
    for (let i = 0; i < times; i++) this.next.push({ type, status, message });
  }

  /** Every request gets this error until reset(). */
  failAlways(type: string, status: number, message: string): void {
    this.always = { type, status, message };
  }

  /** The next `times` replies holding two or more cue elements lose their second one. */
  dropCueFromReplies(times: number): void {
    this.drops += times;
  }

  reset(): void {
    this.requests.length = 0;
    this.next = [];
    this.always = undefined;
    this.drops = 0;
    this.detected = "en";
  }

  /** Requests that were answered with a translation. */
  get answered(): RecordedRequest[] {
    return this.requests.filter((r) => r.status === 200);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    if (
      req.method !== "POST" ||
      req.headers["x-amz-target"] !== TARGET ||
      req.headers["content-type"] !== JSON_11
    ) {
      this.error(res, { type: "UnknownOperationException", status: 400, message: "unexpected request" });
      return;
    }
    const input = JSON.parse(body) as {
      Text: string;
      SourceLanguageCode: string;
      TargetLanguageCode: string;
    };
    const record: RecordedRequest = {
      text: input.Text,
      bytes: Buffer.byteLength(input.Text, "utf8"),
      source: input.SourceLanguageCode,
      target: input.TargetLanguageCode,
      status: 200,
      signed: /^AWS4-HMAC-SHA256 /.test(req.headers.authorization ?? ""),
    };
    this.requests.push(record);
    const failure =
      this.next.shift() ??
      this.always ??
      (record.bytes > 10_000
        ? {
            type: "TextSizeLimitExceededException",
            status: 400,
            message: "Input text size exceeds limit. Max length of request text allowed is 10000 bytes",
          }
        : undefined);
    if (failure) {
      record.status = failure.status;
      this.error(res, failure);
      return;
    }
    let translated = translate(input.Text, input.TargetLanguageCode);
    if (this.drops > 0) {
      const elements = [...translated.matchAll(/<p id="c\d+">[\s\S]*?<\/p>/g)];
      const second = elements[1];
      if (second) {
        this.drops--;
        translated = translated.slice(0, second.index) + translated.slice(second.index + second[0].length);
      }
    }
    res.writeHead(200, { "content-type": JSON_11, "x-amzn-requestid": crypto.randomUUID() });
    res.end(
      JSON.stringify({
        TranslatedText: translated,
        SourceLanguageCode: input.SourceLanguageCode === "auto" ? this.detected : input.SourceLanguageCode,
        TargetLanguageCode: input.TargetLanguageCode,
      }),
    );
  }

  private error(res: http.ServerResponse, failure: Failure): void {
    res.writeHead(failure.status, {
      "content-type": JSON_11,
      "x-amzn-errortype": failure.type,
      "x-amzn-requestid": crypto.randomUUID(),
    });
    res.end(JSON.stringify({ __type: failure.type, message: failure.message }));
  }
}

/** Prefixes each text node (not whitespace-only ones) with `[<target>] `; tags stay. */
function translate(html: string, target: string): string {
  return html
    .split(/(<[^>]*>)/)
    .map((part) => (part.startsWith("<") ? part : part.replace(/^(\s*)(\S)/, `$1[${target}] $2`)))
    .join("");
}
