/**
 * The signed-in session in the browser. The refresh token is an HttpOnly cookie this code
 * never sees; the access token lives in this module's memory only and is renewed a minute
 * before it expires. Tabs share the cookie, and each refresh rotates it, so refreshes are
 * serialised across tabs with a Web Lock: a tab never sends a cookie another tab just used
 * (which the server would take as token theft and end the session).
 */
import type { z } from "@hono/zod-openapi";
import type { WebSessionSchema } from "../../../shared/api/auth.ts";

type WebSession = z.output<typeof WebSessionSchema>;
export type User = WebSession["user"];

const HEADERS = { "content-type": "application/json", "x-movio-session": "cookie" };
const RENEW_BEFORE_MS = 60_000;

let current: WebSession | null = null;
let renewTimer: ReturnType<typeof setTimeout> | undefined;
let restoring: Promise<User | null> | undefined;
const listeners = new Set<(user: User | null) => void>();

export const accessToken = (): string | null => current?.accessToken ?? null;
export const currentUser = (): User | null => current?.user ?? null;

/** Called with the user (or null) whenever the session changes. */
export function onSessionChange(listener: (user: User | null) => void): void {
  listeners.add(listener);
}

function adopt(session: WebSession | null): void {
  current = session;
  clearTimeout(renewTimer);
  if (session) {
    const wait = Date.parse(session.accessTokenExpiresAt) - Date.now() - RENEW_BEFORE_MS;
    renewTimer = setTimeout(() => void refreshSession(), Math.max(5_000, wait));
  }
  for (const listener of listeners) listener(session?.user ?? null);
}

async function post(path: string, body?: unknown): Promise<Response> {
  return fetch(`/api/v1/auth/web/${path}`, {
    method: "POST",
    headers: HEADERS,
    body: body === undefined ? null : JSON.stringify(body),
    credentials: "same-origin",
  });
}

function withLock<T>(work: () => Promise<T>): Promise<T> {
  if (!navigator.locks) return work();
  return navigator.locks.request("movio-session-refresh", work) as Promise<T>;
}

/** Trades the cookie for a fresh access token; false when there is no (valid) session. */
export async function refreshSession(): Promise<boolean> {
  const response = await withLock(() => post("refresh")).catch(() => null);
  if (!response) return current !== null; // offline: keep what we have, retry on the next call
  if (!response.ok) {
    adopt(null);
    return false;
  }
  adopt((await response.json()) as WebSession);
  return true;
}

/** The session at page load: one refresh, shared by every caller. */
export function restoreSession(): Promise<User | null> {
  restoring ??= refreshSession().then(() => currentUser());
  return restoring;
}

export interface SignInFailure {
  status: number;
  code: string;
  message: string;
}

/** Logs in or signs up; the error is the API's (code + message) for the form to show. */
export async function signIn(
  kind: "login" | "signup",
  body: Record<string, string>,
): Promise<User | SignInFailure> {
  const response = await withLock(() => post(kind, body));
  const json = (await response.json().catch(() => null)) as
    | (WebSession & { error?: { code: string; message: string } })
    | null;
  if (!response.ok || !json) {
    return {
      status: response.status,
      code: json?.error?.code ?? "http_error",
      message: json?.error?.message ?? `failed (${response.status})`,
    };
  }
  adopt(json);
  restoring = Promise.resolve(json.user);
  return json.user;
}

export async function signOut(): Promise<void> {
  await withLock(() => post("logout")).catch(() => undefined);
  adopt(null);
  restoring = Promise.resolve(null);
}

/** For pages that need a user: the user, or a redirect to log in and come back. */
export async function requireUser(): Promise<User> {
  const user = await restoreSession();
  if (user) return user;
  location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search + location.hash)}`);
  return new Promise<never>(() => {});
}
