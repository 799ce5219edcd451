/**
 * What counts as "this machine" for the local dev services. They bind 127.0.0.1, but a
 * web page in the developer's browser can still reach them: directly (cross-site requests to
 * 127.0.0.1) or through DNS rebinding (a hostile name that resolves to 127.0.0.1, so the
 * page is "same-origin" with the service). Checking Origin and Host names shuts both out.
 */

const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "::1"]);

/** A hostname (brackets around IPv6 allowed) that only ever means this machine. */
export function isLoopbackHostname(hostname: string): boolean {
  const name = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  return LOOPBACK_NAMES.has(name);
}

/** The hostname of a Host header value (`name:port`, `[v6]:port` or a bare name). */
export function hostnameOfHostHeader(host: string): string {
  const trimmed = host.trim();
  if (trimmed.startsWith("[")) return trimmed.slice(0, trimmed.indexOf("]") + 1);
  const colon = trimmed.lastIndexOf(":");
  return colon >= 0 ? trimmed.slice(0, colon) : trimmed;
}

/** True for an Origin header of a page served from this machine over http(s); false for `null` too. */
export function isLoopbackOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === "http:" || url.protocol === "https:") && isLoopbackHostname(url.hostname);
  } catch {
    return false;
  }
}
