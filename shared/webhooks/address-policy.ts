/**
 * Which webhook URLs and addresses Movio may call (SSRF). A webhook URL is chosen by any
 * user, and the farm would POST to it from inside the operator's network: loopback, private
 * networks, link-local (cloud metadata at 169.254.169.254 / fd00:ec2::254), CGNAT and other
 * special-purpose ranges are refused unless WEBHOOK_ALLOW_PRIVATE is on.
 *
 * Two checks use this file: the edge when an endpoint is created (the URL as written — its
 * host may be an IP literal; names are not resolved there), and the farm at every delivery,
 * on every address the name resolves to (farm/src/webhooks/webhook-http.ts connects to
 * the address it checked, so a second DNS answer cannot swap in another).
 * Pure TypeScript, no runtime imports: both sides use it.
 */

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

const MAX_URL_LENGTH = 2000;

/** The URL as written: http(s), no credentials, and (unless allowed) no private host. */
export function checkWebhookUrl(text: string, allowPrivate: boolean): UrlVerdict {
  if (text.length > MAX_URL_LENGTH) return { ok: false, reason: `longer than ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: "not an absolute URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return { ok: false, reason: "must be http or https" };
  if (url.username || url.password) return { ok: false, reason: "must not carry a user name or password" };
  if (!url.hostname) return { ok: false, reason: "has no host" };
  if (allowPrivate) return { ok: true, url };
  const host = url.hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
  const ip = parseIp(host);
  if (ip) {
    return isPublicIp(ip)
      ? { ok: true, url }
      : { ok: false, reason: `${host} is a loopback, private, link-local or reserved address` };
  }
  if (!isPublicHostname(host)) {
    return { ok: false, reason: `${host} is a local or internal name` };
  }
  return { ok: true, url };
}

/**
 * Names that stand for this machine or an internal network whatever DNS says: localhost,
 * cloud metadata names, single-label names (resolved through search domains to internal
 * hosts) and the special-use suffixes for local networks.
 */
export function isPublicHostname(host: string): boolean {
  const name = host.replace(/\.$/, "").toLowerCase();
  if (!name.includes(".")) return false;
  if (name === "metadata.google.internal") return false;
  return !/\.(localhost|local|internal|intranet|lan|home\.arpa|localdomain|corp)$/.test(name);
}

/** Whether an address (text) is a public unicast address; false for anything unparsable. */
export function isPublicAddress(address: string): boolean {
  const ip = parseIp(address.replace(/^\[|\]$/g, ""));
  return ip !== undefined && isPublicIp(ip);
}

type Ip = { v: 4; bytes: number[] } | { v: 6; words: number[] };

/** Dotted-quad IPv4 (the WHATWG URL parser already turned 0x7f.1 and friends into one) or IPv6. */
export function parseIp(text: string): Ip | undefined {
  const v4 = parseV4(text);
  if (v4) return { v: 4, bytes: v4 };
  const v6 = parseV6(text);
  return v6 ? { v: 6, words: v6 } : undefined;
}

function parseV4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((part) => (/^\d{1,3}$/.test(part) ? Number(part) : Number.NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : undefined;
}

function parseV6(input: string): number[] | undefined {
  const text = input.replace(/%.*$/, ""); // a zone id (fe80::1%eth0) names a local link anyway
  if (!text.includes(":") || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === "") return [];
    const out: number[] = [];
    const pieces = part.split(":");
    for (const [i, piece] of pieces.entries()) {
      if (i === pieces.length - 1 && piece.includes(".")) {
        const v4 = parseV4(piece);
        if (!v4) return undefined;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        out.push(Number.parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0] as string);
  const tail = halves.length === 2 ? groups(halves[1] as string) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** [first bytes, prefix length] of IPv4 ranges that are not public unicast (RFC 6890 and others). */
const V4_BLOCKED: [number[], number][] = [
  [[0], 8], // "this network"
  [[10], 8], // private
  [[100, 64], 10], // carrier-grade NAT (Alibaba Cloud's metadata is 100.100.100.200)
  [[127], 8], // loopback
  [[169, 254], 16], // link-local, cloud metadata 169.254.169.254
  [[172, 16], 12], // private
  [[192, 0, 0], 24], // IETF protocol assignments
  [[192, 0, 2], 24], // documentation
  [[192, 88, 99], 24], // 6to4 relay anycast
  [[192, 168], 16], // private
  [[198, 18], 15], // benchmarking
  [[198, 51, 100], 24], // documentation
  [[203, 0, 113], 24], // documentation
  [[224], 4], // multicast
  [[240], 4], // reserved, broadcast
];

function inV4Range(bytes: number[], [prefix, bits]: [number[], number]): boolean {
  for (let i = 0; i * 8 < bits; i++) {
    const take = Math.min(8, bits - i * 8);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i] as number) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

function isPublicIp(ip: Ip): boolean {
  if (ip.v === 4) return !V4_BLOCKED.some((range) => inV4Range(ip.bytes, range));
  const w = ip.words;
  const embeddedV4 = (hi: number, lo: number): Ip => ({
    v: 4,
    bytes: [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff],
  });
  const zeros = (n: number) => w.slice(0, n).every((x) => x === 0);
  if (zeros(8)) return false; // ::
  if (zeros(7) && w[7] === 1) return false; // ::1
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): judged as that IPv4 address.
  if (zeros(5) && w[5] === 0xffff) return isPublicIp(embeddedV4(w[6] as number, w[7] as number));
  if (zeros(6)) return isPublicIp(embeddedV4(w[6] as number, w[7] as number));
  // NAT64 (64:ff9b::/96, 64:ff9b:1::/48) reaches the embedded IPv4 address.
  if (w[0] === 0x64 && w[1] === 0xff9b) return isPublicIp(embeddedV4(w[6] as number, w[7] as number));
  // 6to4 (2002::/16) tunnels to the IPv4 address in its next 32 bits.
  if (w[0] === 0x2002) return isPublicIp(embeddedV4(w[1] as number, w[2] as number));
  const first = w[0] as number;
  if ((first & 0xfe00) === 0xfc00) return false; // unique local fc00::/7 (AWS metadata fd00:ec2::254)
  if ((first & 0xffc0) === 0xfe80) return false; // link-local fe80::/10
  if ((first & 0xffc0) === 0xfec0) return false; // site-local (deprecated) fec0::/10
  if ((first & 0xff00) === 0xff00) return false; // multicast
  if (first === 0x2001 && w[1] === 0x0db8) return false; // documentation
  if (first === 0x2001 && (w[1] as number) < 0x0200) return false; // Teredo, benchmarking, ORCHID…
  // Global unicast is 2000::/3; everything else is unassigned or special.
  return (first & 0xe000) === 0x2000;
}
