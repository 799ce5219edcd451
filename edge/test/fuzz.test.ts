/**
 * Property-based fuzzing of every operation /openapi.json documents, against the real edge
 * in workerd on real Postgres: whatever the input, never a 5xx, and every 4xx is the one
 * error shape `{error:{code,message,requestId}}` with a known code and its status.
 */
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ACCESS_AUDIENCE, importSigningKey, signJwt, UPLOAD_AUDIENCE } from "../../shared/auth/jwt.ts";
import { ERROR_STATUS } from "../../shared/errors/error-codes.ts";
import {
  type FuzzContext,
  type FuzzRequest,
  type OpenApiDoc,
  operationsOf,
  requestsFor,
} from "./fuzz/requests.ts";
import { b64url } from "./fuzz/values.ts";
import { call, callJson, createVideo, db, makeAdmin, markReady, signUp } from "./helpers.ts";

/** Requests per operation: ~40 operations × RUNS takes a few minutes on 2 cores. */
const RUNS = 30;
/**
 * Each operation's share of time: requests get slower as the run goes on (the later
 * operations take ~20 s on 2 cores), so the default 20 s test timeout is too tight.
 */
const OPERATION_TIMEOUT_MS = 60_000;

let doc: OpenApiDoc;
let ctx: FuzzContext;

beforeAll(async () => {
  doc = (await callJson<OpenApiDoc>("GET", "/openapi.json")).body;
  // Several users, so per-user limits (30 creations a minute, 20 awaiting upload) bite late.
  const [owner, other, third, admin] = [await signUp(), await signUp(), await signUp(), await signUp()];
  // An admin too, so the admin API is fuzzed past its role check (the role is read live).
  await makeAdmin(admin.user.id);
  const key = await importSigningKey(env.JWT_PRIVATE_JWK);
  const past = Math.floor(Date.now() / 1000) - 7200;
  const ready = await createVideo(owner.accessToken, { visibility: "public" });
  await db(sql`update videos set storage_prefix = ${`media/${ready.video.id}/1-abc/`},
    media = '{"dash":"manifest.mpd","hls":"master.m3u8","poster":null,"storyboard":null}'::jsonb
    where id = ${ready.video.id}`);
  await markReady(ready.video.id);
  const failed = await createVideo(other.accessToken, { visibility: "unlisted" });
  await db(
    sql`update videos set status = 'failed', error_code = 'not_a_video' where id = ${failed.video.id}`,
  );
  const awaiting = await createVideo(owner.accessToken, { visibility: "private" });
  // A track with cues, so subtitle requests reach a real one.
  const file = "1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:03,000 --> 00:00:04,000\nWorld\n";
  for (const id of [ready.video.id, awaiting.video.id]) {
    const put = await call("PUT", `/api/v1/videos/${id}/subtitles/en`, {
      token: owner.accessToken,
      headers: { "content-type": "application/x-subrip" },
      rawBody: file,
    });
    if (put.status !== 201) throw new Error(`subtitle upload failed: ${put.status}`);
  }
  const [expired, wrongAudience] = await Promise.all([
    signJwt(key, ACCESS_AUDIENCE, owner.user.id, { role: "viewer" }, 900, past),
    signJwt(key, UPLOAD_AUDIENCE, owner.user.id, { vid: awaiting.video.id, max: 1 }, 900),
  ]);
  const list = await callJson<{ nextCursor: string | null }>("GET", "/api/v1/videos?limit=1");
  const hook = await callJson<{ webhook: { id: string } }>("POST", "/api/v1/webhooks", {
    token: owner.accessToken,
    body: { url: "https://hooks.example.com/fuzz", events: ["video.ready"] },
  });
  if (hook.status !== 201) throw new Error(`webhook creation failed: ${hook.status}`);
  ctx = {
    tokens: [owner.accessToken, other.accessToken, third.accessToken, admin.accessToken],
    badTokens: [expired.token, wrongAudience.token, owner.refreshToken],
    ids: [ready.video.id, awaiting.video.id, failed.video.id, hook.body.webhook.id],
    known: {
      email: [owner.user.email, other.user.email],
      password: [owner.password],
      refreshToken: [owner.refreshToken, other.refreshToken, third.refreshToken],
    },
    cursors: [list.body.nextCursor ?? b64url(JSON.stringify(["2026-01-01 00:00:00+00", ready.video.id]))],
  };
});

async function send(request: FuzzRequest): Promise<Response> {
  return call(request.method, request.path, { headers: request.headers, rawBody: request.body });
}

/** The one error shape, with a code from the enum and the status that code maps to. */
async function expectWellFormed(request: FuzzRequest, response: Response): Promise<void> {
  const context = `${request.method} ${request.path} → ${response.status}`;
  expect(response.status, context).toBeLessThan(500);
  if (response.status < 400 || request.method === "HEAD") {
    await response.body?.cancel();
    return;
  }
  expect(response.headers.get("content-type"), context).toMatch(/^application\/json/);
  const body = (await response.json()) as {
    error?: { code?: unknown; message?: unknown; requestId?: unknown };
  };
  const code = body.error?.code;
  expect(typeof code === "string" && code in ERROR_STATUS, `${context}: code ${String(code)}`).toBe(true);
  expect(ERROR_STATUS[code as keyof typeof ERROR_STATUS], `${context}: status of ${String(code)}`).toBe(
    response.status,
  );
  expect(typeof body.error?.message === "string" && body.error.message.length > 0, context).toBe(true);
  expect(body.error?.requestId, context).toBe(response.headers.get("x-request-id"));
}

const FUZZED = [
  "POST /api/v1/auth/signup",
  "POST /api/v1/auth/login",
  "POST /api/v1/auth/refresh",
  "POST /api/v1/auth/logout",
  "GET /api/v1/me",
  "PATCH /api/v1/me",
  "POST /api/v1/me/password",
  "POST /api/v1/me/email",
  "GET /api/v1/me/sessions",
  "POST /api/v1/me/sessions/sign-out-others",
  "POST /api/v1/auth/verify-email",
  "POST /api/v1/auth/verify-email/resend",
  "POST /api/v1/auth/password-reset",
  "POST /api/v1/auth/password-reset/confirm",
  "POST /api/v1/videos",
  "GET /api/v1/videos",
  "GET /api/v1/me/videos",
  "GET /api/v1/videos/{id}",
  "PATCH /api/v1/videos/{id}",
  "GET /api/v1/videos/{id}/playback",
  "POST /api/v1/videos/{id}/upload",
  "PUT /api/v1/videos/{id}/subtitles/{lang}",
  "GET /api/v1/videos/{id}/subtitles",
  "GET /api/v1/videos/{id}/subtitles/{lang}",
  "PATCH /api/v1/videos/{id}/subtitles/{lang}/cues",
  "POST /api/v1/videos/{id}/subtitles/{lang}/translations",
  "POST /api/v1/videos/{id}/captions",
  "DELETE /api/v1/videos/{id}/subtitles/{lang}",
  "GET /api/v1/capabilities",
  "POST /api/v1/auth/web/signup",
  "POST /api/v1/auth/web/login",
  "POST /api/v1/auth/web/refresh",
  "POST /api/v1/auth/web/logout",
  "GET /api/v1/search",
  "GET /api/v1/admin/stats",
  "GET /api/v1/admin/jobs",
  "GET /api/v1/admin/jobs/{id}",
  "POST /api/v1/admin/jobs/{id}/retry",
  "POST /api/v1/admin/jobs/{id}/cancel",
  "POST /api/v1/admin/videos/{id}/reprocess",
  "GET /api/v1/admin/nodes",
  "GET /api/v1/admin/actions",
  "POST /api/v1/webhooks",
  "GET /api/v1/webhooks",
  "GET /api/v1/webhooks/{id}",
  "POST /api/v1/webhooks/{id}/rotate-secret",
  "POST /api/v1/webhooks/{id}/enable",
  "GET /api/v1/webhooks/{id}/deliveries",
  "POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver",
  "DELETE /api/v1/webhooks/{id}",
  "DELETE /api/v1/videos/{id}", // near the end: it deletes the videos the others look up
  "DELETE /api/v1/me", // last: with the known password it may delete the owner's account
];

describe("fuzzing every documented operation", () => {
  it("covers every operation in /openapi.json", () => {
    const documented = operationsOf(doc).map((o) => `${o.method} ${o.path}`);
    expect([...FUZZED].sort()).toEqual(documented.sort());
  });

  it.each(FUZZED)(
    "%s: no 5xx, and every 4xx is the error shape",
    async (name) => {
      const operation = operationsOf(doc).find((o) => `${o.method} ${o.path}` === name);
      expect(operation, `${name} is documented`).toBeDefined();
      await fc.assert(
        fc.asyncProperty(requestsFor(operation!, doc, ctx), async (request) => {
          await expectWellFormed(request, await send(request));
        }),
        { numRuns: RUNS },
      );
    },
    OPERATION_TIMEOUT_MS,
  );

  it(
    "odd methods and unknown paths answer 4xx in the error shape",
    async () => {
      const paths = Object.keys(doc.paths).map((p) => p.replace("{id}", ctx.ids[0]!));
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom("PUT", "OPTIONS", "HEAD", "TRACE", "PATCH", "DELETE", "POST"),
          fc.oneof(
            fc.constantFrom(...paths),
            fc.constantFrom(...paths).map((p) => `${p}/extra`),
            fc.webPath(),
          ),
          async (method, path) => {
            const request = { method, path: path.startsWith("/") ? path : `/${path}`, headers: {} };
            await expectWellFormed(request, await send(request));
          },
        ),
        { numRuns: RUNS },
      );
    },
    OPERATION_TIMEOUT_MS,
  );
});
