/**
 * A fault-injecting HTTP proxy in front of the local S3 server, for the farm's S3_ENDPOINT.
 * It understands just enough S3 to aim (the operation of each request) and injects what S3
 * and networks really do: 503 SlowDown, a connection reset before, during the request body
 * or during the response body, a stall. Everything else passes through untouched.
 *
 * It must be HTTP-aware to answer 503s itself, yet the local S3 server verifies SigV4,
 * whose signature covers the Host header the client used (the proxy's address): headers are
 * forwarded exactly as received, Host included, so signatures still verify upstream.
 */
import http from "node:http";
import type net from "node:net";

export type S3Operation =
  | "UploadPart"
  | "PutObject"
  | "GetObject"
  | "HeadObject"
  | "CreateMultipartUpload"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload"
  | "ListParts"
  | "ListObjects"
  | "DeleteObjects"
  | "DeleteObject"
  | "Other";

export interface S3Call {
  operation: S3Operation;
  method: string;
  /** The object key (path-style URL without the bucket), "" for bucket-level calls. */
  key: string;
  /** UploadPart's part number. */
  partNumber?: number;
  /** The Range header as sent (a GetObject without one reads the whole object). */
  range?: string;
}

export type S3Fault =
  /** 503 with S3's SlowDown error body; the request is never forwarded. */
  | { kind: "slowdown" }
  /** The connection is reset before anything reaches S3. */
  | { kind: "reset" }
  /** The request body is forwarded up to `afterBytes`, then both connections are reset. */
  | { kind: "reset-mid-body"; afterBytes: number }
  /** S3's answer is cut after `afterBytes` of its body (a download dropped half-way). */
  | { kind: "reset-mid-response"; afterBytes: number }
  /** S3's answer stops after `afterBytes` of its body, the connection left open (a hung download). */
  | { kind: "stall-mid-response"; afterBytes: number }
  /** Nothing happens for `ms`, then the request is forwarded (a long `ms`: S3 never answers). */
  | { kind: "stall"; ms: number }
  /**
   * DeleteObjects answered 200 with every key listed as an `<Error>` and nothing deleted — S3
   * reports per-key failures this way, inside a success.
   */
  | { kind: "delete-errors" };

export interface FaultRule {
  match: (call: S3Call) => boolean;
  /** One fault per matching request, in order; once used up, requests pass. */
  faults: S3Fault[];
}

export interface S3FaultProxy {
  endpoint: string;
  /** Every fault injected so far, with the call it hit. */
  injected: { call: S3Call; fault: S3Fault }[];
  /** Every call that went through, faulted or not. */
  calls: S3Call[];
  inject(rule: FaultRule): void;
  clear(): void;
  close(): Promise<void>;
}

export function s3Call(method: string, url: string): S3Call {
  const { pathname, searchParams: query } = new URL(url, "http://s3");
  const key = decodeURIComponent(pathname.split("/").slice(2).join("/"));
  const operation = operationOf(method, key, query);
  const partNumber = query.get("partNumber");
  return { operation, method, key, ...(partNumber ? { partNumber: Number(partNumber) } : {}) };
}

function operationOf(method: string, key: string, query: URLSearchParams): S3Operation {
  if (!key) {
    if (method === "GET") return "ListObjects";
    return method === "POST" && query.has("delete") ? "DeleteObjects" : "Other";
  }
  const multipart = query.has("uploadId");
  switch (method) {
    case "PUT":
      return multipart ? "UploadPart" : "PutObject";
    case "POST":
      if (query.has("uploads")) return "CreateMultipartUpload";
      return multipart ? "CompleteMultipartUpload" : "Other";
    case "GET":
      return multipart ? "ListParts" : "GetObject";
    case "HEAD":
      return "HeadObject";
    case "DELETE":
      return multipart ? "AbortMultipartUpload" : "DeleteObject";
    default:
      return "Other";
  }
}

const SLOW_DOWN = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>fault-proxy</RequestId></Error>`;

export async function startS3FaultProxy(target: string): Promise<S3FaultProxy> {
  const upstream = new URL(target);
  const rules: { rule: FaultRule; next: number }[] = [];
  const injected: S3FaultProxy["injected"] = [];
  const calls: S3Call[] = [];
  const sockets = new Set<net.Socket>();

  const faultFor = (call: S3Call): S3Fault | undefined => {
    for (const entry of rules) {
      if (entry.next < entry.rule.faults.length && entry.rule.match(call)) {
        const fault = entry.rule.faults[entry.next++] as S3Fault;
        injected.push({ call, fault });
        return fault;
      }
    }
    return undefined;
  };

  const server = http.createServer(async (req, res) => {
    const call = s3Call(req.method ?? "GET", req.url ?? "/");
    if (req.headers.range) call.range = req.headers.range;
    calls.push(call);
    const fault = faultFor(call);
    if (fault?.kind === "reset") {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "slowdown") {
      req.resume(); // read (and drop) the body, as S3 does before it answers
      req.on("end", () => {
        res.writeHead(503, {
          "content-type": "application/xml",
          "content-length": Buffer.byteLength(SLOW_DOWN),
        });
        res.end(SLOW_DOWN);
      });
      return;
    }
    if (fault?.kind === "delete-errors") {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const keys = [
          ...Buffer.concat(chunks)
            .toString("utf8")
            .matchAll(/<Key>([^<]*)<\/Key>/g),
        ].map((m) => m[1]);
        const body = `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult>${keys
          .map(
            (key) =>
              `<Error><Key>${key}</Key><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>`,
          )
          .join("")}</DeleteResult>`;
        res.writeHead(200, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) });
        res.end(body);
      });
      return;
    }
    if (fault?.kind === "stall") await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (req.socket.destroyed) return;

    const headers = { ...req.headers };
    delete headers.expect; // answered by this server already; never part of the signature
    const forward = http.request({
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers, // Host as the client signed it
    });
    const cut = () => {
      forward.destroy();
      req.socket.destroy();
    };
    forward.on("error", cut);
    forward.on("response", (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      let sent = 0;
      answer.on("data", (chunk: Buffer) => {
        const midResponse = fault?.kind === "reset-mid-response" || fault?.kind === "stall-mid-response";
        if (midResponse && sent + chunk.length > fault.afterBytes) {
          res.write(chunk.subarray(0, Math.max(0, fault.afterBytes - sent)));
          answer.destroy();
          // Let the bytes go out, then drop the line as a broken network does (or keep it hanging).
          if (fault.kind === "reset-mid-response") setImmediate(cut);
          return;
        }
        sent += chunk.length;
        if (!res.write(chunk)) {
          answer.pause();
          res.once("drain", () => answer.resume());
        }
      });
      answer.on("end", () => res.end());
      answer.on("error", cut);
    });
    let received = 0;
    req.on("data", (chunk: Buffer) => {
      if (fault?.kind === "reset-mid-body" && received + chunk.length > fault.afterBytes) {
        forward.write(chunk.subarray(0, Math.max(0, fault.afterBytes - received)));
        received = Number.POSITIVE_INFINITY;
        cut();
        return;
      }
      received += chunk.length;
      if (!forward.write(chunk)) {
        req.pause();
        forward.once("drain", () => req.resume());
      }
    });
    req.on("end", () => forward.end());
    req.on("error", cut);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  return {
    endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    injected,
    calls,
    inject: (rule) => {
      rules.push({ rule, next: 0 });
    },
    clear: () => {
      rules.length = 0;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
