/**
 * The local stand-in for the Gcore CDN, in front of the bucket: checks Gcore's secure token
 * on every request exactly as Gcore does (missing or wrong → 403, expired → 410, a token is
 * good for one directory only, `%2F` in a path → 403), forwards the token into manifests, playlists and storyboard
 * tracks (Gcore's query-string forwarding), and serves byte ranges with the right
 * Content-Type, CORS, and the Cache-Control stored with each object (growing manifests
 * `no-store`), falling back to the rule by name. A dev component of the local stack only.
 */
import http from "node:http";
import type { Readable } from "node:stream";
import { GetObjectCommand, NoSuchKey, type S3Client } from "@aws-sdk/client-s3";
import { checkToken } from "../../shared/playback/gcore-token.ts";
import { cacheControlFor, contentTypeFor } from "../../shared/storage/content-types.ts";
import { isRewritten, rewriteForToken } from "./manifest-rewrite.ts";
import { closeServer, listenOn } from "./ports.ts";

export interface CdnOrigin {
  url: string;
  close(): Promise<void>;
}

export interface CdnOriginOptions {
  port: number;
  s3: S3Client;
  bucket: string;
  /** Gcore's secure-token key (the same CDN_TOKEN_SECRET the edge signs with). */
  tokenSecret: string;
  /** Gcore's "add the client's IP to the token" option. */
  bindIp?: boolean;
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
  // Like Gcore, refuse an encoded slash: the token is checked against the path as sent, so
  // `dir/sub%2Fseg.m4s` would pass with the token of `dir/` and then fetch `dir/sub/seg.m4s`,
  // out of the directory the token covers.
  if (/%2f/i.test(url.pathname)) {
    res.writeHead(403, { ...CORS_HEADERS, "content-type": "text/plain" });
    res.end("encoded slash (%2F) in path\n");
    return;
  }
  const key = decodeURIComponent(url.pathname.slice(1));
  if (!key || key.endsWith("/") || key.split("/").some((part) => part === ".." || part === ".")) {
    res.writeHead(404, CORS_HEADERS).end();
    return;
  }
  const ip = options.bindIp ? (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "") : "";
  const verdict = checkToken(
    { path: url.pathname, md5: url.searchParams.get("md5"), expires: url.searchParams.get("expires"), ip },
    options.tokenSecret,
  );
  if (verdict !== "ok") {
    res.writeHead(verdict === "expired" ? 410 : 403, { ...CORS_HEADERS, "content-type": "text/plain" });
    res.end(verdict === "expired" ? "link expired\n" : "invalid or missing token\n");
    return;
  }
  if (isRewritten(key)) return serveRewritten(options, key, url.search.slice(1), req, res);
  try {
    const object = await options.s3.send(
      new GetObjectCommand({ Bucket: options.bucket, Key: key, Range: req.headers.range }),
    );
    const headers: Record<string, string> = {
      ...CORS_HEADERS,
      "content-type": contentTypeFor(key, object.ContentType),
      "accept-ranges": "bytes",
      // What the farm stored with the object (a growing manifest: no-store), as Gcore passes it on.
      "cache-control": object.CacheControl ?? cacheControlFor(key),
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

/** Manifests are small: read whole, forward the token into them, send. */
async function serveRewritten(
  options: CdnOriginOptions,
  key: string,
  query: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
) {
  try {
    const object = await options.s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: key }));
    const body = rewriteForToken(key, (await object.Body?.transformToString()) ?? "", tokenOnly(query));
    res.writeHead(200, {
      ...CORS_HEADERS,
      "content-type": contentTypeFor(key, object.ContentType),
      "content-length": Buffer.byteLength(body),
      // As stored (a growing manifest: no-store), but private: the body carries the viewer's token.
      "cache-control": (object.CacheControl ?? cacheControlFor(key)).replace(/\bpublic\b/, "private"),
    });
    res.end(req.method === "HEAD" ? undefined : body);
  } catch (err) {
    if (err instanceof NoSuchKey) {
      res.writeHead(404, CORS_HEADERS).end();
      return;
    }
    throw err;
  }
}

/** Only the token travels on, not whatever else the query held. */
function tokenOnly(query: string): string {
  const params = new URLSearchParams(query);
  return `md5=${params.get("md5") ?? ""}&expires=${params.get("expires") ?? ""}`;
}
