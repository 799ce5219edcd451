/**
 * The local stand-in for the Gcore CDN: serves objects from the bucket with byte ranges,
 * the right Content-Type, caching headers and CORS, as a CDN in front of S3 would.
 * Secure-token checks arrive with the playback issue. Dev component only.
 */
import http from "node:http";
import type { Readable } from "node:stream";
import { GetObjectCommand, NoSuchKey, type S3Client } from "@aws-sdk/client-s3";
import { cacheControlFor, contentTypeFor } from "../../shared/storage/content-types.ts";
import { closeServer, listenOn } from "./ports.ts";

export interface CdnOrigin {
  url: string;
  close(): Promise<void>;
}

export interface CdnOriginOptions {
  port: number;
  s3: S3Client;
  bucket: string;
}

const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, HEAD, OPTIONS",
  "access-control-allow-headers": "range",
  "access-control-expose-headers": "content-length, content-range, accept-ranges, etag",
  "access-control-max-age": "86400",
};

export async function startCdnOrigin(options: CdnOriginOptions): Promise<CdnOrigin> {
  const server = http.createServer((req, res) => {
    serve(options, req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`origin error: ${(err as Error).message}\n`);
    });
  });
  const port = await listenOn(server, options.port);
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => closeServer(server),
  };
}

async function serve(options: CdnOriginOptions, req: http.IncomingMessage, res: http.ServerResponse) {
  const url = new URL(req.url ?? "/", "http://cdn");
  if (req.method === "OPTIONS") {
    res.writeHead(204, CORS_HEADERS).end();
    return;
  }
  if (url.pathname === "/healthz") {
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD, OPTIONS", ...CORS_HEADERS }).end();
    return;
  }
  const key = decodeURIComponent(url.pathname.slice(1));
  if (!key || key.endsWith("/") || key.split("/").some((part) => part === ".." || part === ".")) {
    res.writeHead(404, CORS_HEADERS).end();
    return;
  }
  try {
    const object = await options.s3.send(
      new GetObjectCommand({ Bucket: options.bucket, Key: key, Range: req.headers.range }),
    );
    const headers: Record<string, string> = {
      ...CORS_HEADERS,
      "content-type": contentTypeFor(key, object.ContentType),
      "accept-ranges": "bytes",
      "cache-control": cacheControlFor(key),
    };
    if (object.ContentLength !== undefined) headers["content-length"] = String(object.ContentLength);
    if (object.ContentRange) headers["content-range"] = object.ContentRange;
    if (object.ETag) headers.etag = object.ETag;
    if (object.LastModified) headers["last-modified"] = object.LastModified.toUTCString();
    res.writeHead(object.ContentRange ? 206 : 200, headers);
    const body = object.Body as Readable | undefined;
    if (req.method === "HEAD" || !body) {
      body?.destroy();
      res.end();
      return;
    }
    body.pipe(res);
  } catch (err) {
    if (err instanceof NoSuchKey || (err as { name?: string }).name === "NotFound") {
      res.writeHead(404, CORS_HEADERS).end();
      return;
    }
    if ((err as { name?: string }).name === "InvalidRange") {
      res.writeHead(416, CORS_HEADERS).end();
      return;
    }
    throw err;
  }
}
