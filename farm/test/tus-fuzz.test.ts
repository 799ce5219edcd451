/**
 * Property-based fuzzing of the farm's tus endpoint against a real node, real Postgres and
 * the local S3 server: malformed tus headers, odd methods and paths, foreign ids, bad
 * tokens, garbage bodies. Whatever arrives: never a 5xx, every 4xx body is the one error
 * shape `{error:{code,message,requestId}}` with a known code, and nothing reaches a video
 * the caller has no token for, nor a key outside the upload naming scheme.
 */
import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  ACCESS_AUDIENCE,
  generatePrivateJwk,
  importSigningKey,
  signJwt,
  UPLOAD_AUDIENCE,
} from "../../shared/auth/jwt.ts";
import { ERROR_STATUS } from "../../shared/errors/error-codes.ts";
import { closeDb, db, newVideo, startNode, testS3, uploadToken, videoRow } from "./support/farm-env.ts";

/** Sequential requests against one node: a few seconds in all. */
const RUNS = 500;

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn();
  await closeDb();
});

/** The node's log: a failing request's context includes what the node said about it. */
const nodeLog: string[] = [];

interface Fixture {
  url: string;
  own: string[];
  foreign: string;
  tokens: Record<string, string | undefined>;
}
let fx: Fixture;

beforeAll(async () => {
  // A high cap so the fuzz keeps reaching tus rather than the per-user quota.
  const { node, url } = await startNode(
    { MAX_CONCURRENT_UPLOADS_PER_USER: "100" },
    { log: (line) => nodeLog.push(line) },
  );
  cleanups.push(() => node.close());
  const first = await newVideo({ maxBytes: 1_000_000 });
  const { rows } = await db().query<{ id: string }>(
    "insert into videos (owner_id, title, visibility) values ($1, 'Second', 'public') returning id",
    [first.ownerId],
  );
  const second = rows[0]!.id;
  const foreign = await newVideo();
  const past = Math.floor(Date.now() / 1000) - 7200;
  const key = await importSigningKey(inject("signingJwk"));
  const strangerKey = await importSigningKey(JSON.stringify(await generatePrivateJwk("stranger")));
  const claims = { vid: first.videoId, max: 1_000_000 };
  fx = {
    url,
    own: [first.videoId, second],
    foreign: foreign.videoId,
    tokens: {
      own: `Bearer ${first.token}`,
      second: `Bearer ${await uploadToken(second, first.ownerId, 50_000)}`,
      // A token for the foreign video naming the wrong owner (the edge never issues one).
      forgedOwner: `Bearer ${await uploadToken(foreign.videoId, first.ownerId, 1000)}`,
      expired: `Bearer ${(await signJwt(key, UPLOAD_AUDIENCE, first.ownerId, claims, 60, past)).token}`,
      accessToken: `Bearer ${(await signJwt(key, ACCESS_AUDIENCE, first.ownerId, claims, 900)).token}`,
      strangerKey: `Bearer ${(await signJwt(strangerKey, UPLOAD_AUDIENCE, first.ownerId, claims, 900)).token}`,
      garbage: "Bearer not.a.jwt",
      empty: "Bearer ",
      basic: "Basic bW92aW86bW92aW8=",
      none: undefined,
    },
  };
});

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

/** Any value Node lets a client send: printable ASCII and Latin-1 (DEL and controls it refuses). */
const headerText = (maxLength: number) =>
  fc.string({
    unit: fc
      .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }))
      .map((c) => String.fromCharCode(c)),
    maxLength,
  });
const b64 = (data: Buffer | string) => Buffer.from(data).toString("base64");

const numberish = fc.oneof(
  fc.constantFrom("0", "1", "-1", "1.5", "1e3", "abc", "", " 7", "0x10", "+7", "NaN", "Infinity", "-0"),
  fc.constantFrom("9007199254740993", "99999999999999999999999", "1000000", "1000001", "50000"),
  fc.integer({ min: -1_000_000, max: 2_000_000 }).map(String),
  fc.double({ noNaN: true }).map(String),
  headerText(12),
);

const metadata = fc.oneof(
  fc.constantFrom(
    `filename ${b64("clip.mp4")},filetype ${b64("video/mp4")}`,
    "filename !!!not-base64",
    "filename",
    "filename a b",
    ",",
    `filename ${b64("a")},filename ${b64("b")}`,
    " leading",
  ),
  // Oversized: under Node's 16 KiB header limit (tus sees it), then well over it (Node answers 431).
  fc.constantFrom(12 * 1024, 40 * 1024).map((n) => `filename ${b64(randomBytes(Math.floor((n * 3) / 4)))}`),
  fc
    .array(fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.string({ maxLength: 30 })), { maxLength: 200 })
    .map((pairs) => pairs.map(([k, v]) => `${k} ${b64(v)}`).join(",")),
  headerText(200),
);

/**
 * A well-formed tus request for one of the protocol's steps, then up to three mutations
 * (a header made bad or dropped, another method, path, token or body): mostly-valid input
 * reaches the hooks, the store and S3, where all-garbage input would stop at the first check.
 */
function requests(f: Fixture): fc.Arbitrary<FuzzRequest> {
  const [own, second] = f.own as [string, string];
  const target = fc.constantFrom(own, second);
  const tus = { "tus-resumable": "1.0.0" };
  const tokenFor = (id: string) => (id === own ? f.tokens.own : f.tokens.second) as string;
  const chunk = fc.uint8Array({ minLength: 1, maxLength: 4096 }).map((a) => Buffer.from(a));
  const base: fc.Arbitrary<FuzzRequest> = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        method: fc.constant("POST"),
        path: fc.constant("/files/"),
        headers: fc
          .record({ length: fc.integer({ min: 1, max: 60_000 }), id: target })
          .map(({ length, id }) => ({
            ...tus,
            authorization: tokenFor(id),
            "upload-length": String(length),
            "upload-metadata": `filename ${b64("clip.mp4")},filetype ${b64("video/mp4")}`,
          })),
        body: fc.constant(undefined),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        method: fc.constant("PATCH"),
        path: fc.constant(`/files/${own}`),
        headers: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 60_000 })).map((offset) => ({
          ...tus,
          authorization: f.tokens.own as string,
          "upload-offset": String(offset),
          "content-type": "application/offset+octet-stream",
        })),
        body: chunk,
      }),
    },
    {
      weight: 3,
      arbitrary: fc
        .record({ method: fc.constantFrom("HEAD", "DELETE", "GET"), id: target })
        .map(({ method, id }) => ({
          method,
          path: `/files/${id}`,
          headers: { ...tus, authorization: tokenFor(id) },
          body: undefined,
        })),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        method: fc.constant("OPTIONS"),
        path: fc.constant("/files/"),
        headers: fc.constant({}),
        body: fc.constant(undefined),
      }),
    },
  );

  const paths = fc.oneof(
    fc.constantFrom("/files", "/files/", `/files/${f.foreign}`, `/files/${randomUUID()}`),
    fc.constantFrom(
      `/files/${own.toUpperCase()}`,
      "/files/../healthz",
      "/files/..%2f..%2fetc%2fpasswd",
      `/files/${own}/..`,
      `/files/${own}/../${f.foreign}`,
      `/files/../${own}`,
      `/files/${own}.info`,
      `/files/${own}.part`,
      "/files/x",
      "/files//",
      `/files/${own}?id=${f.foreign}`,
      "/files/%00",
      "/files/%E2%98%83",
      `/files/${"a".repeat(4000)}`,
    ),
  );
  const headerValues: Record<string, fc.Arbitrary<string>> = {
    "tus-resumable": fc.oneof(fc.constantFrom("0.2.2", "", "2", "1.0.0, 1.0.0"), headerText(10)),
    "upload-offset": numberish,
    "upload-length": numberish,
    "upload-defer-length": fc.constantFrom("1", "0", "x"),
    "upload-metadata": metadata,
    "upload-concat": fc.constantFrom("partial", `final;/files/${own} /files/${second}`, "final;", "x"),
    "upload-checksum": fc.constantFrom(`sha1 ${b64("x")}`, "md5 zz", "crc32", "sha1"),
    "x-http-method-override": fc.constantFrom("PATCH", "DELETE", "GET", "POST", "FOO"),
    "content-type": fc.oneof(
      fc.constantFrom(
        "application/offset+octet-stream",
        "application/offset+octet-stream; charset=x",
        "text/plain",
        "application/json",
        "multipart/form-data; boundary=x",
      ),
      headerText(30),
    ),
    authorization: fc.constantFrom(...Object.values(f.tokens).filter((t) => t !== undefined)),
  };
  type Mutation = (r: FuzzRequest) => FuzzRequest;
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc
      .constantFrom(...Object.keys(headerValues))
      .chain((name) => (headerValues[name] as fc.Arbitrary<string>).map((value) => ({ name, value })))
      .map(({ name, value }) => (r: FuzzRequest) => ({ ...r, headers: { ...r.headers, [name]: value } })),
    fc
      .constantFrom("tus-resumable", "upload-offset", "upload-length", "content-type", "authorization")
      .map((name) => (r: FuzzRequest) => {
        const { [name]: _dropped, ...rest } = r.headers;
        return { ...r, headers: rest };
      }),
    fc
      .constantFrom("POST", "PATCH", "HEAD", "DELETE", "GET", "OPTIONS", "PUT", "TRACE", "PROPFIND", "LOCK")
      .map((method) => (r: FuzzRequest) => ({ ...r, method })),
    paths.map((path) => (r: FuzzRequest) => ({ ...r, path })),
    fc
      .oneof(
        fc.constant(undefined),
        fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)),
        fc.constantFrom(Buffer.alloc(0), Buffer.from('{"a":1}'), randomBytes(300_000)),
      )
      .map((body) => (r: FuzzRequest) => ({ ...r, body })),
  );
  return fc
    .tuple(base, fc.array(mutation, { maxLength: 3 }))
    .map(([request, mutations]) => mutations.reduce((r, mutate) => mutate(r), request));
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request: no URL normalisation (`../` goes out as written), any method and header. */
function send(base: string, request: FuzzRequest): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: hostname,
      port,
      method: request.method,
      path: request.path,
      // Framed explicitly: Node's client sends a GET/DELETE body without any framing otherwise.
      headers: request.body
        ? { ...request.headers, "content-length": String(request.body.length) }
        : request.headers,
      timeout: 15_000,
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 15 s")));
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on("error", reject);
    });
    req.end(request.body);
  });
}

function expectWellFormed(request: FuzzRequest, answer: Answer): void {
  const context = `${request.method} ${request.path} ${JSON.stringify(request.headers).slice(0, 600)} → ${answer.status} ${answer.body.slice(0, 200)}\n${nodeLog.join("\n")}`;
  expect(answer.status, context).toBeLessThan(500);
  if (answer.status < 400 || answer.body.length === 0) return;
  expect(answer.headers["content-type"], context).toMatch(/^application\/json/);
  const body = JSON.parse(answer.body) as { error?: { code?: string; message?: string; requestId?: string } };
  expect(body.error, context).toEqual({
    code: expect.any(String),
    message: expect.any(String),
    requestId: answer.headers["x-request-id"] ?? expect.any(String),
  });
  const code = body.error?.code as keyof typeof ERROR_STATUS;
  expect(ERROR_STATUS[code], context).toBe(answer.status);
}

describe("tus endpoint under malformed input", () => {
  it("refuses metadata holding a NUL at creation (400), so no later request of it fails", async () => {
    const answer = await send(fx.url, {
      method: "POST",
      path: "/files/",
      headers: {
        "tus-resumable": "1.0.0",
        authorization: fx.tokens.second as string,
        "upload-length": "1000",
        "upload-metadata": `filename ${b64("clip\u0000.mp4")}`,
      },
      body: undefined,
    });
    expectWellFormed({ method: "POST", path: "/files/", headers: {}, body: undefined }, answer);
    expect(answer.status).toBe(400);
  });

  it("never answers 5xx, always answers errors in the one JSON shape, never touches foreign videos", {
    timeout: 120_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(requests(fx), async (request) => {
        nodeLog.length = 0;
        const answer = await send(fx.url, request).catch((err: Error) => {
          throw new Error(`${request.method} ${request.path}: ${err.message}\n${nodeLog.join("\n")}`);
        });
        expectWellFormed(request, answer);
      }),
      { numRuns: RUNS },
    );

    // Nothing reached a video the caller had no valid token for.
    expect(await videoRow(fx.foreign)).toMatchObject({ status: "awaiting_upload", source_key: null });
    const s3 = testS3();
    try {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: "movio", ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((c) => c.Key ?? ""));
        token = page.NextContinuationToken;
      } while (token);
      expect(keys.filter((k) => k.startsWith(fx.foreign))).toEqual([]);
      // Only upload ids (video ids) and media directories: no `../`, no odd names.
      const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
      const allowed = new RegExp(`^(${uuid}(\\.info|\\.part)?|media/${uuid}/.+)$`);
      expect(keys.filter((k) => !allowed.test(k))).toEqual([]);
    } finally {
      s3.destroy();
    }
  });
});
