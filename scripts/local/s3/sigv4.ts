/**
 * AWS Signature Version 4 checks for the local S3 server, the way the AWS SDK signs S3
 * requests (Authorization header, AWS4-HMAC-SHA256). Without them any web page could send
 * DELETEs to 127.0.0.1:4569 and empty the bucket. Browsers cannot put an Authorization or
 * x-amz-* header on a cross-site request without a CORS preflight, which this server never
 * grants, so header signatures keep pages out even though the local keys are well known
 * (DNS rebinding, which would make a page same-origin, is refused by the server's Host
 * check). That is also why presigned query-string auth is refused: a presigned URL needs no
 * header, and nothing in Movio presigns.
 *
 * The payload hash is x-amz-content-sha256 as sent (a hex digest, UNSIGNED-PAYLOAD or
 * STREAMING-*): it is signed, but the body is not hashed and chunk signatures are not
 * checked — a loopback dev server guards who may call it, not the bytes in transit.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { S3StoreError } from "./fs-store.ts";

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SignedRequest {
  method: string;
  /** The raw request target, path and query, as received. */
  url: string;
  /** Header values by lower-case name, repeated headers kept apart (IncomingMessage.headersDistinct). */
  headers: Record<string, string[] | undefined>;
}

/** AWS refuses requests whose x-amz-date is further than this from its clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const ALGORITHM = "AWS4-HMAC-SHA256";

const denied = (message: string) => new S3StoreError("AccessDenied", 403, message);
const malformed = (message: string) => new S3StoreError("AuthorizationHeaderMalformed", 400, message);

/** Throws the S3 error AWS would answer with unless the request is signed with `credentials`. */
export function verifySigV4(request: SignedRequest, credentials: S3Credentials, now = Date.now()): void {
  const header = request.headers.authorization?.[0];
  if (!header) {
    throw denied(
      /[?&]X-Amz-Signature=/i.test(request.url)
        ? "presigned URLs are not accepted by the local S3 server: sign the Authorization header"
        : "request is not signed: use an AWS SDK or client with Signature Version 4",
    );
  }
  const auth = parseAuthorization(header);
  if (auth.accessKeyId !== credentials.accessKeyId) {
    throw new S3StoreError("InvalidAccessKeyId", 403, "unknown access key id");
  }
  const amzDate = request.headers["x-amz-date"]?.[0] ?? "";
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) throw denied("x-amz-date is missing or not yyyyMMddTHHmmssZ");
  if (auth.date !== amzDate.slice(0, 8)) throw malformed("the credential date is not the x-amz-date day");
  if (Math.abs(now - signedAt) > MAX_CLOCK_SKEW_MS) {
    throw new S3StoreError(
      "RequestTimeTooSkewed",
      403,
      "The difference between the request time and the server's time is too large",
    );
  }
  for (const required of ["host", "x-amz-date"]) {
    if (!auth.signedHeaders.includes(required)) throw denied(`${required} must be a signed header`);
  }
  const payloadHash = request.headers["x-amz-content-sha256"]?.[0];
  if (!payloadHash) {
    throw new S3StoreError(
      "InvalidRequest",
      400,
      "Missing required header for this request: x-amz-content-sha256",
    );
  }

  const canonical = canonicalRequest(request, auth.signedHeaders, payloadHash);
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join("\n");
  const key = signingKey(credentials.secretAccessKey, auth.date, auth.region, auth.service);
  const expected = Buffer.from(createHmac("sha256", key).update(stringToSign).digest("hex"));
  const given = Buffer.from(auth.signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new S3StoreError(
      "SignatureDoesNotMatch",
      403,
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    );
  }
}

interface Authorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=a;b, Signature=hex` */
function parseAuthorization(header: string): Authorization {
  const space = header.indexOf(" ");
  if (space < 0 || header.slice(0, space) !== ALGORITHM) {
    throw malformed(`only ${ALGORITHM} (Signature Version 4) is supported`);
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(space + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const [accessKeyId, date, region, service, terminator, ...extra] = (fields.get("Credential") ?? "").split(
    "/",
  );
  const signedHeaders = (fields.get("SignedHeaders") ?? "").split(";").filter(Boolean);
  const signature = fields.get("Signature") ?? "";
  if (
    !accessKeyId ||
    !date ||
    !region ||
    service !== "s3" ||
    terminator !== "aws4_request" ||
    extra.length > 0 ||
    signedHeaders.length === 0 ||
    !/^[0-9a-f]{64}$/.test(signature)
  ) {
    throw malformed(
      "expected Credential=<key>/<date>/<region>/s3/aws4_request, SignedHeaders=…, Signature=…",
    );
  }
  return { accessKeyId, date, region, service, signedHeaders, signature };
}

function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const time = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  return Number.isNaN(time) ? undefined : time;
}

function canonicalRequest(request: SignedRequest, signedHeaders: string[], payloadHash: string): string {
  const queryAt = request.url.indexOf("?");
  const rawPath = queryAt >= 0 ? request.url.slice(0, queryAt) : request.url;
  const rawQuery = queryAt >= 0 ? request.url.slice(queryAt + 1) : "";
  const headers = signedHeaders.map((name) => {
    const values = (request.headers[name] ?? []).map((v) => v.trim().replace(/\s+/g, " "));
    return `${name}:${values.join(",")}\n`;
  });
  return [
    request.method,
    canonicalPath(rawPath),
    canonicalQuery(rawQuery),
    headers.join(""),
    signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
}

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function uriDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new S3StoreError("InvalidURI", 400, "Couldn't parse the specified URI.");
  }
}

/**
 * S3 signs the path encoded once, segment by segment (no normalisation: keys may hold `..`
 * or `//`). Re-encoding each decoded segment gives what the SDK sent, whatever escapes a
 * client chose for characters that need none.
 */
function canonicalPath(rawPath: string): string {
  return rawPath
    .split("/")
    .map((segment) => uriEncode(uriDecode(segment)))
    .join("/");
}

/** Pairs encoded, sorted by name then value; `?uploads` signs as `uploads=`. */
function canonicalQuery(rawQuery: string): string {
  return rawQuery
    .split("&")
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf("=");
      const name = eq >= 0 ? pair.slice(0, eq) : pair;
      const value = eq >= 0 ? pair.slice(eq + 1) : "";
      return [uriEncode(uriDecode(name)), uriEncode(uriDecode(value))] as const;
    })
    .sort(([a, av], [b, bv]) => (a === b ? compare(av, bv) : compare(a, b)))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request");
}
