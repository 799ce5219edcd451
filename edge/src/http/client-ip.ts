/**
 * Client addresses as rate-limit keys. An IPv6 client usually owns a whole /64 (one address
 * per device, privacy addresses rotating daily), so keying on the full address would hand an
 * attacker 2^64 fresh keys: IPv6 is keyed on its /64, IPv4 on the address.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env.ts";

/** The client's address as Cloudflare reports it (`unknown` outside Cloudflare). */
export function clientIp(c: Context<AppEnv>): string {
  return c.req.header("cf-connecting-ip")?.trim() || "unknown";
}

/** `2001:db8:1:2:aaaa::1` → `2001:db8:1:2::/64`; `::ffff:192.0.2.1` → `192.0.2.1`. */
export function rateLimitKeyForIp(ip: string): string {
  const address = ip
    .replace(/^\[|\]$/g, "")
    .replace(/%.*$/, "")
    .toLowerCase();
  if (!address.includes(":")) return address.slice(0, 64);
  const groups = expandIpv6(address);
  if (!groups) return address.slice(0, 64);
  const mappedV4 = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mappedV4) return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join(".");
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, or undefined if it is not one. */
function expandIpv6(address: string): number[] | undefined {
  let text = address;
  // A trailing dotted IPv4 part stands for the last two groups.
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const bytes = v4.slice(1).map(Number);
    if (bytes.some((b) => b > 255)) return undefined;
    text = `${text.slice(0, v4.index)}${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return all.map((g) => Number.parseInt(g, 16));
}
