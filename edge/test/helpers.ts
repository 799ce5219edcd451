/** Test helpers: call the Worker like a client would, and reach the same database. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { readEdgeConfig } from "../src/config.ts";
import { databaseFor } from "../src/db/request-db.ts";
import worker from "../src/index.ts";

export interface CallOptions {
  body?: unknown;
  /** A body sent as it is (a subtitle file: text or bytes, e.g. UTF-16). */
  rawBody?: string | Uint8Array;
  token?: string;
  ip?: string;
  headers?: Record<string, string>;
  /** Bindings to override for this one request (e.g. a lower limit). */
  bindings?: Partial<typeof env>;
}

export interface ErrorJson {
  error: { code: string; message: string; requestId: string; details?: unknown };
}

let ipCounter = 0;
/** A fresh client address per call by default, so rate limits only bite where a test wants. */
export const newIp = () => `198.51.100.${(ipCounter++ % 250) + 1}`;

export async function call(method: string, path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { "cf-connecting-ip": options.ip ?? newIp(), ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | Uint8Array | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const request = new Request(`http://edge.test${path}`, { method, headers, body });
  if (!options.bindings) return exports.default.fetch(request);
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, { ...env, ...options.bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export async function callJson<T = unknown>(method: string, path: string, options: CallOptions = {}) {
  const response = await call(method, path, options);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
}

export interface SessionJson {
  user: { id: string; email: string; displayName: string; role: string };
  accessToken: string;
  refreshToken: string;
}

let userCounter = 0;
export async function signUp(
  overrides: Partial<{ email: string; password: string; displayName: string }> = {},
) {
  const input = {
    email: `user${Date.now()}-${userCounter++}@example.com`,
    password: "a long enough password",
    displayName: "Test User",
    ...overrides,
  };
  const response = await callJson<SessionJson>("POST", "/api/v1/auth/signup", { body: input });
  if (response.status !== 201) throw new Error(`signup failed: ${JSON.stringify(response.body)}`);
  return { ...response.body, password: input.password };
}

/** Runs SQL against the test database (to arrange states only the farm or an operator sets). */
export async function db<T extends Record<string, unknown>>(query: ReturnType<typeof sql>) {
  return (await databaseFor(readEdgeConfig(env)).execute<T>(query)).rows;
}

export async function makeAdmin(userId: string) {
  await db(sql`update users set role = 'admin' where id = ${userId}`);
}

export async function markReady(videoId: string) {
  await db(sql`update videos set status = 'ready', progress = 100, ready_at = now() where id = ${videoId}`);
}

export interface UploadTicketJson {
  endpoint: string;
  token: string;
  expiresAt: string;
  maxBytes: number;
}

export interface CreatedVideoJson {
  video: { id: string; status: string; ownerId: string };
  upload: UploadTicketJson;
}

/** Creates a video as the given user; throws unless it got 201. */
export async function createVideo(
  token: string,
  body: Record<string, unknown> = {},
  options: CallOptions = {},
) {
  const res = await callJson<CreatedVideoJson>("POST", "/api/v1/videos", {
    ...options,
    token,
    body: { title: "A film", visibility: "public", ...body },
  });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return res.body;
}

/** Verifies the account's address as its owner would: the link of its latest verification mail. */
export async function verifyEmail(email: string): Promise<void> {
  const rows = await db<{ link: string }>(
    sql`select payload->'data'->>'link' as link from jobs
        where type = 'send_email' and payload->>'template' = 'verify_email' and payload->>'to' = ${email.toLowerCase()}
        order by id desc limit 1`,
  );
  const token = new URL(rows[0]?.link ?? "http://invalid/").searchParams.get("token");
  const response = await call("POST", "/api/v1/auth/verify-email", { body: { token } });
  if (response.status !== 204) throw new Error(`verify-email failed: ${await response.text()}`);
}

/**
 * The Workers rate-limiting bindings count in fixed 60 s windows aligned on the clock, so a
 * test that spends a whole budget and expects the next call refused must do it within one
 * window: with less than `neededMs` of this one left, it waits for the next.
 */
export async function freshRateLimitWindow(neededMs = 20_000): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < neededMs) await new Promise((resolve) => setTimeout(resolve, left + 100));
}
