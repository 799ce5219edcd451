/**
 * The local object store: a small S3-compatible server (path-style) over FsStore, with the
 * operations Movio uses — objects with ranges, listing, batch delete, copy, and the whole
 * multipart API that @tus/s3-store relies on (create, upload part, list parts, complete,
 * abort). Every request must be signed (SigV4, see sigv4.ts) with the configured keys and
 * address the server by a loopback name. A dev component only: production uses S3.
 */
import http from "node:http";
import type { Readable } from "node:stream";
import { type ByteRange, parseByteRange } from "../../../shared/http/byte-range.ts";
import { hostnameOfHostHeader, isLoopbackHostname } from "../loopback.ts";
import { closeServer, listenOn } from "../ports.ts";
import { AwsChunkedDecoder, isAwsChunked } from "./aws-chunked.ts";
import { FsStore, type ObjectMeta, S3StoreError } from "./fs-store.ts";
import { verifySigV4 } from "./sigv4.ts";
import { elements, tagValues, toXml } from "./xml.ts";

export interface LocalS3Options {
  directory: string;
  port: number;
  host?: string;
  accessKeyId: string;
  /**
   * Omitted: the local stack's default S3_SECRET_ACCESS_KEY, "movio-local" (for callers
   * written before signatures were checked; pass it).
   */
  secretAccessKey?: string;
  buckets: string[];
}

const DEFAULT_SECRET_ACCESS_KEY = "movio-local";

export interface LocalS3 {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  const store = new FsStore(options.directory);
  for (const bucket of options.buckets) await store.createBucket(bucket);
  const server = http.createServer((req, res) => {
    handle(store, options, req, res).catch((err) => sendError(res, err));
  });
  const port = await listenOn(server, options.port, options.host);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close: () => closeServer(server),
  };
}

function sendError(res: http.ServerResponse, err: unknown) {
  const known = err instanceof S3StoreError;
  const code = known ? err.code : "InternalError";
  if (!known) console.error("[s3]", err);
  if (res.headersSent) return res.destroy();
  res.writeHead(known ? err.status : 500, { "content-type": "application/xml" });
  res.end(toXml("Error", { Code: code, Message: (err as Error).message }).replace(/ xmlns="[^"]+"/, ""));
}

function sendXml(res: http.ServerResponse, root: string, body: Parameters<typeof toXml>[1], headers = {}) {
  const xml = toXml(root, body);
  res.writeHead(200, {
    "content-type": "application/xml",
    "content-length": Buffer.byteLength(xml),
    ...headers,
  });
  res.end(xml);
}

/**
 * Only signed requests addressed to this machine by name: a page that rebinds its own host
 * name to 127.0.0.1 is same-origin with this server and could sign with the well-known
 * local keys, but its requests carry its host name.
 */
function authorize(req: http.IncomingMessage, options: LocalS3Options) {
  const hostname = hostnameOfHostHeader(req.headers.host ?? "");
  if (!isLoopbackHostname(hostname) && hostname !== options.host) {
    throw new S3StoreError("AccessDenied", 403, "the local S3 server answers only to 127.0.0.1 or localhost");
  }
  verifySigV4(
    { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headersDistinct },
    {
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey ?? DEFAULT_SECRET_ACCESS_KEY,
    },
  );
}

function requestBody(req: http.IncomingMessage): Readable {
  return isAwsChunked(req.headers) ? req.pipe(new AwsChunkedDecoder()) : req;
}

async function readText(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of requestBody(req)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function storedHeaders(req: http.IncomingMessage) {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith("x-amz-meta-") && typeof value === "string") metadata[name.slice(11)] = value;
  }
  return {
    contentType: req.headers["content-type"] ?? "application/octet-stream",
    metadata,
    ...(req.headers["cache-control"] ? { cacheControl: req.headers["cache-control"] } : {}),
  };
}

function objectHeaders(meta: ObjectMeta): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": meta.contentType,
    etag: meta.etag,
    "last-modified": new Date(meta.lastModified).toUTCString(),
    "accept-ranges": "bytes",
  };
  if (meta.cacheControl) headers["cache-control"] = meta.cacheControl;
  for (const [name, value] of Object.entries(meta.metadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  const range = parseByteRange(header, size);
  if (range === "malformed") throw new S3StoreError("InvalidRange", 416, "bad range");
  if (range === "unsatisfiable")
    throw new S3StoreError("InvalidRange", 416, "The requested range is not satisfiable");
  return range;
}

async function handle(
  store: FsStore,
  options: LocalS3Options,
  req: http.IncomingMessage,
  res: http.ServerResponse,
) {
  // Split the raw path ourselves: URL parsing would resolve `..` segments, and S3 keys may
  // legitimately contain them.
  const raw = req.url ?? "/";
  const queryAt = raw.indexOf("?");
  const query = new URLSearchParams(queryAt >= 0 ? raw.slice(queryAt + 1) : "");
  authorize(req, options);
  const [, bucket = "", ...rest] = (queryAt >= 0 ? raw.slice(0, queryAt) : raw).split("/");
  const key = rest.map((part) => decodeURIComponent(part)).join("/");
  const method = req.method ?? "GET";

  if (!bucket) {
    const names = await store.listBuckets();
    return sendXml(res, "ListAllMyBucketsResult", {
      Owner: { ID: "local", DisplayName: "local" },
      Buckets: { Bucket: names.map((Name) => ({ Name, CreationDate: new Date(0).toISOString() })) },
    });
  }
  if (!key) return handleBucket(store, bucket, method, query, req, res);

  const uploadId = query.get("uploadId");
  if (method === "PUT" && uploadId) {
    const partNumber = Number(query.get("partNumber"));
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) {
      throw new S3StoreError("InvalidArgument", 400, "partNumber must be 1..10000");
    }
    const etag = await store.uploadPart(bucket, key, uploadId, partNumber, requestBody(req));
    res.writeHead(200, { etag }).end();
    return;
  }
  if (method === "PUT" && req.headers["x-amz-copy-source"]) {
    const source = decodeURIComponent(String(req.headers["x-amz-copy-source"])).replace(/^\//, "");
    const [sourceBucket = "", ...sourceKey] = source.split("/");
    const meta = await store.headObject(sourceBucket, sourceKey.join("/"));
    const copied = await store.putObject(bucket, key, store.readObject(sourceBucket, sourceKey.join("/")), {
      contentType: meta.contentType,
      metadata: meta.metadata,
      ...(meta.cacheControl ? { cacheControl: meta.cacheControl } : {}),
    });
    return sendXml(res, "CopyObjectResult", { ETag: copied.etag, LastModified: copied.lastModified });
  }
  if (method === "PUT") {
    const meta = await store.putObject(bucket, key, requestBody(req), storedHeaders(req));
    res.writeHead(200, { etag: meta.etag }).end();
    return;
  }
  if (method === "POST" && query.has("uploads")) {
    const id = await store.createUpload(bucket, key, storedHeaders(req));
    return sendXml(res, "InitiateMultipartUploadResult", { Bucket: bucket, Key: key, UploadId: id });
  }
  if (method === "POST" && uploadId) {
    const xml = await readText(req);
    const parts = elements(xml, "Part").map((part) => ({
      partNumber: Number(tagValues(part, "PartNumber")[0]),
      etag: tagValues(part, "ETag")[0] ?? "",
    }));
    const etag = await store.completeUpload(bucket, key, uploadId, parts);
    return sendXml(res, "CompleteMultipartUploadResult", {
      Location: `/${bucket}/${key}`,
      Bucket: bucket,
      Key: key,
      ETag: etag,
    });
  }
  if (method === "GET" && uploadId) {
    const marker = Number(query.get("part-number-marker") ?? 0);
    const max = Math.min(Number(query.get("max-parts") ?? 1000), 1000);
    const all = (await store.listParts(bucket, key, uploadId)).filter((p) => p.partNumber > marker);
    const page = all.slice(0, max);
    return sendXml(res, "ListPartsResult", {
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      PartNumberMarker: marker,
      NextPartNumberMarker: page.at(-1)?.partNumber ?? marker,
      MaxParts: max,
      IsTruncated: all.length > page.length,
      Part: page.map((p) => ({
        PartNumber: p.partNumber,
        LastModified: p.lastModified,
        ETag: p.etag,
        Size: p.size,
      })),
    });
  }
  if (method === "DELETE" && uploadId) {
    await store.abortUpload(bucket, key, uploadId);
    res.writeHead(204).end();
    return;
  }
  if (method === "DELETE") {
    await store.deleteObject(bucket, key);
    res.writeHead(204).end();
    return;
  }
  if (method === "GET" || method === "HEAD") {
    const meta = await store.headObject(bucket, key);
    // The length is the opened file's, not the meta's: see FsStore.openObject.
    const opened = await store.openObject(bucket, key);
    let range: ReturnType<typeof parseRange>;
    try {
      range = parseRange(req.headers.range, opened.size);
    } catch (err) {
      await opened.close();
      throw err;
    }
    const headers = objectHeaders(meta);
    if (range) {
      headers["content-range"] = `bytes ${range.start}-${range.end}/${opened.size}`;
      headers["content-length"] = String(range.end - range.start + 1);
    } else {
      headers["content-length"] = String(opened.size);
    }
    res.writeHead(range ? 206 : 200, headers);
    if (method === "HEAD" || opened.size === 0) {
      await opened.close();
      return res.end();
    }
    const body = opened.read(range);
    res.on("close", () => body.destroy()); // a reader gone mid-way: the file is closed
    body.pipe(res);
    return;
  }
  throw new S3StoreError("MethodNotAllowed", 405, `${method} is not supported here`);
}

async function handleBucket(
  store: FsStore,
  bucket: string,
  method: string,
  query: URLSearchParams,
  req: http.IncomingMessage,
  res: http.ServerResponse,
) {
  if (method === "PUT") {
    await store.createBucket(bucket);
    res.writeHead(200, { location: `/${bucket}` }).end();
    return;
  }
  await store.assertBucket(bucket);
  if (method === "HEAD") return void res.writeHead(200).end();
  if (method === "POST" && query.has("delete")) {
    const keys = elements(await readText(req), "Object").map((o) => tagValues(o, "Key")[0] ?? "");
    for (const key of keys) await store.deleteObject(bucket, key);
    return sendXml(res, "DeleteResult", { Deleted: keys.map((Key) => ({ Key })) });
  }
  if (method === "GET" && query.has("location")) return sendXml(res, "LocationConstraint", {});
  if (method === "GET" && query.has("uploads")) {
    const uploads = await store.listUploads(bucket);
    return sendXml(res, "ListMultipartUploadsResult", {
      Bucket: bucket,
      IsTruncated: false,
      Upload: uploads.map((u) => ({
        Key: u.key,
        UploadId: u.uploadId,
        Initiated: u.initiated,
        StorageClass: "STANDARD",
      })),
    });
  }
  if (method === "GET") return listObjects(store, bucket, query, res);
  throw new S3StoreError("MethodNotAllowed", 405, `${method} is not supported on a bucket`);
}

async function listObjects(store: FsStore, bucket: string, query: URLSearchParams, res: http.ServerResponse) {
  const prefix = query.get("prefix") ?? "";
  const delimiter = query.get("delimiter") ?? "";
  const maxKeys = Math.min(Number(query.get("max-keys") ?? 1000), 1000);
  const v2 = query.get("list-type") === "2";
  const token = query.get("continuation-token");
  const after = token
    ? Buffer.from(token, "base64url").toString("utf8")
    : (query.get(v2 ? "start-after" : "marker") ?? "");

  const contents: ObjectMeta[] = [];
  const prefixes: string[] = [];
  let truncated = false;
  let lastKey = "";
  for (const meta of await store.listObjects(bucket)) {
    if (!meta.key.startsWith(prefix) || meta.key <= after) continue;
    const cut = delimiter ? meta.key.indexOf(delimiter, prefix.length) : -1;
    const common = cut >= 0 ? meta.key.slice(0, cut + delimiter.length) : undefined;
    if (common && prefixes.at(-1) === common) continue;
    if (contents.length + prefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (common) prefixes.push(common);
    else contents.push(meta);
    lastKey = common ? `${common}\uffff` : meta.key;
  }
  sendXml(res, "ListBucketResult", {
    Name: bucket,
    Prefix: prefix,
    Delimiter: delimiter || undefined,
    MaxKeys: maxKeys,
    KeyCount: v2 ? contents.length + prefixes.length : undefined,
    IsTruncated: truncated,
    NextContinuationToken: v2 && truncated ? Buffer.from(lastKey).toString("base64url") : undefined,
    NextMarker: !v2 && truncated ? lastKey : undefined,
    Contents: contents.map((m) => ({
      Key: m.key,
      LastModified: m.lastModified,
      ETag: m.etag,
      Size: m.size,
      StorageClass: "STANDARD",
    })),
    CommonPrefixes: prefixes.map((Prefix) => ({ Prefix })),
  });
}
