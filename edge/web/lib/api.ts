/**
 * Calls to the Movio API from the pages: JSON in and out, the access token from the session
 * (refreshed once and retried when it has expired), and failures as ApiFailure with the
 * API's stable error code and message.
 */
import { accessToken, refreshSession } from "./session.ts";

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface ApiOptions {
  method?: string;
  /** Sent as JSON unless it is already a body (a File, a string with its own type). */
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function api<T>(path: string, options: ApiOptions = {}): Promise<T> {
  let response = await send(path, options);
  if (response.status === 401 && (await refreshSession())) response = await send(path, options);
  if (response.status === 204) return undefined as T;
  const body = (await response.json().catch(() => null)) as
    | (T & { error?: { code: string; message: string; details?: unknown } })
    | null;
  if (!response.ok) {
    const error = body?.error;
    throw new ApiFailure(
      response.status,
      error?.code ?? "http_error",
      error?.message ?? `request failed (${response.status})`,
      error?.details,
    );
  }
  return body as T;
}

function send(path: string, options: ApiOptions): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  const token = accessToken();
  if (token) headers.authorization = `Bearer ${token}`;
  let body = options.body;
  if (options.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.json);
  }
  return fetch(path, {
    method: options.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    body: body ?? null,
    signal: options.signal ?? null,
    credentials: "same-origin",
  });
}

/** A message for people: the API's own words, or a plain one when the network failed. */
export function explain(err: unknown): string {
  if (err instanceof ApiFailure) return err.message;
  if (err instanceof TypeError) return "Movio cannot be reached. Check your connection and try again.";
  return err instanceof Error ? err.message : String(err);
}
