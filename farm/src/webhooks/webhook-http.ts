/**
 * One webhook POST, made safe to aim at a URL any user chose (SSRF): the name is resolved
 * here, every address it resolves to must be public (unless WEBHOOK_ALLOW_PRIVATE), and the
 * connection goes to the address that was checked — a second DNS answer (rebinding) never
 * gets a say. No redirects are followed, the whole attempt has a time limit, and at most
 * 64 KiB of the response are read (the first KiB is kept for the delivery log).
 */
import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { isIP } from "node:net";
import { checkWebhookUrl, isPublicAddress } from "../../../shared/webhooks/address-policy.ts";

export interface PostOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Read no more of the response than this (default 64 KiB). */
  maxResponseBytes?: number;
  /** Keep this much of it as text (default 1 KiB). */
  keepBytes?: number;
  /** Name resolution (tests swap it); all addresses of a name. */
  resolve?: (host: string) => Promise<{ address: string; family: number }[]>;
}

export interface PostResult {
  status?: number;
  /** The start of the response body. */
  body?: string;
  /** Why there is no (successful) response: refused, network error, timeout. */
  error?: string;
  durationMs: number;
  ok: boolean;
}

const defaultResolve = (host: string) => dnsLookup(host, { all: true, verbatim: true });

export async function postWebhook(
  target: string,
  headers: Record<string, string>,
  body: string,
  options: PostOptions,
): Promise<PostResult> {
  const started = Date.now();
  const finish = (result: Omit<PostResult, "durationMs" | "ok">): PostResult => ({
    ...result,
    durationMs: Date.now() - started,
    ok: result.status !== undefined && result.status >= 200 && result.status < 300 && !result.error,
  });
  const verdict = checkWebhookUrl(target, options.allowPrivate);
  if (!verdict.ok) return finish({ error: `refused: the URL ${verdict.reason}` });
  const url = verdict.url;
  const host = url.hostname.replace(/^\[|\]$/g, "");

  let address: { address: string; family: number };
  try {
    const found = isIP(host)
      ? [{ address: host, family: isIP(host) }]
      : await withTimeout((options.resolve ?? defaultResolve)(host), options.timeoutMs, "resolving the name");
    if (found.length === 0) return finish({ error: `${host} does not resolve` });
    const refused = options.allowPrivate ? undefined : found.find((a) => !isPublicAddress(a.address));
    if (refused) {
      return finish({
        error: `refused: ${host} resolves to ${refused.address}, a loopback, private, link-local or reserved address`,
      });
    }
    address = found[0] as { address: string; family: number };
  } catch (err) {
    return finish({ error: `${host} does not resolve: ${(err as Error).message}` });
  }

  const remaining = Math.max(1, options.timeoutMs - (Date.now() - started));
  return finish(await send(url, address, headers, body, remaining, options));
}

function send(
  url: URL,
  address: { address: string; family: number },
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  options: PostOptions,
): Promise<Omit<PostResult, "durationMs" | "ok">> {
  const maxBytes = options.maxResponseBytes ?? 64 * 1024;
  const keepBytes = options.keepBytes ?? 1024;
  // The connection goes to the checked address whatever the name resolves to by then.
  const pinned: LookupFunction = (_host, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [address]);
    } else {
      callback(null, address.address, address.family);
    }
  };
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: Omit<PostResult, "durationMs" | "ok">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve(result);
    };
    const client = url.protocol === "https:" ? https : http;
    const request = client.request(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        lookup: pinned,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let read = 0;
        const end = () => {
          response.destroy();
          const text = Buffer.concat(chunks).subarray(0, keepBytes).toString("utf8");
          done({ status: response.statusCode ?? 0, body: text });
        };
        response.on("data", (chunk: Buffer) => {
          if (read < keepBytes) chunks.push(chunk);
          read += chunk.length;
          if (read >= maxBytes) end(); // enough: the rest is never read
        });
        response.on("end", end);
        response.on("error", () => end());
      },
    );
    const timer = setTimeout(() => {
      request.destroy();
      done({ error: `timed out after ${options.timeoutMs} ms` });
    }, timeoutMs);
    const onAbort = () => {
      request.destroy();
      done({ error: "stopped" });
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    request.on("error", (err) => done({ error: err.message }));
    request.end(body);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out ${what}`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
