/**
 * Password hashing with scrypt from node:crypto (nodejs_compat). Workers cap WebCrypto
 * PBKDF2 at 100,000 iterations in production, so scrypt it is. The parameters are stored
 * in the hash (`scrypt$N$r$p$salt$key`) so they can be raised later without breaking
 * existing accounts: `needsRehash` tells when a login should upgrade a hash.
 *
 * Parameters: OWASP's first choice (N=2^17, r=8, p=1) needs 128 MiB, the whole isolate. Of
 * its listed equivalents, N=2^15 r=8 p=3 (32 MiB) is the most memory-hard set that leaves
 * the isolate three quarters of its 128 MB; bench/passwords.ts measured ~210 ms per hash in
 * workerd (~260 ms in Node), well inside the paid plan's CPU budget per request (see
 * bench/README.md for the figures of every set).
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

export const PARAMS = { N: 2 ** 15, r: 8, p: 3 };
const KEY_LENGTH = 32;
/**
 * Stored hashes never ask for more than OWASP's 64 MiB set (V is 128·r·N bytes, B 128·r·p,
 * plus slack): a hash that asks for more is refused rather than allowed to exhaust the isolate.
 */
const MAX_MEMORY = 64 * 1024 * 1024 + 1024 * 1024;

function derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFKC"), salt, KEY_LENGTH, { N, r, p, maxmem: MAX_MEMORY }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS.N, PARAMS.r, PARAMS.p);
  return ["scrypt", PARAMS.N, PARAMS.r, PARAMS.p, salt.toString("base64"), key.toString("base64")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !key) return false;
  const expected = Buffer.from(key, "base64");
  const actual = await derive(password, Buffer.from(salt, "base64"), Number(n), Number(r), Number(p)).catch(
    () => null, // parameters scrypt refuses (over MAX_MEMORY, N not a power of two): no match
  );
  return actual !== null && actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A hash made with other parameters than today's. Not only weaker ones: OWASP's sets trade
 * memory for passes (2^14/8/5 is "as strong" as 2^15/8/3), so anything not today's set is
 * redone with it once the password is known.
 */
export function needsRehash(stored: string): boolean {
  const [scheme, n, r, p] = stored.split("$");
  return scheme !== "scrypt" || Number(n) !== PARAMS.N || Number(r) !== PARAMS.r || Number(p) !== PARAMS.p;
}

/** Burns the same time as a real check, so unknown emails cannot be told apart by timing. */
let dummyHash: Promise<string> | undefined;
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword("movio-dummy-password");
  await verifyPassword(password, await dummyHash);
  return false;
}
