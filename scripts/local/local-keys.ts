/**
 * The local edge's token-signing key: an Ed25519 private JWK generated once into
 * .movio/keys/ (production sets it with `wrangler secret put JWT_PRIVATE_JWK`).
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { generatePrivateJwk } from "../../shared/auth/jwt.ts";

export async function ensureLocalSigningKey(dataDir: string): Promise<string> {
  const file = path.join(dataDir, "keys", "jwt-private.jwk.json");
  if (!existsSync(file)) {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const jwk = await generatePrivateJwk(`local-${new Date().toISOString().slice(0, 10)}`);
    await writeFile(file, `${JSON.stringify(jwk)}\n`, { mode: 0o600 });
  }
  return (await readFile(file, "utf8")).trim();
}

/** The local CDN's secure-token key, generated once into .movio/keys/ (Gcore keys are 6–32 characters). */
export async function ensureLocalCdnSecret(dataDir: string): Promise<string> {
  const file = path.join(dataDir, "keys", "cdn-token-secret");
  if (!existsSync(file)) {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64url");
    await writeFile(file, `${secret}\n`, { mode: 0o600 });
  }
  return (await readFile(file, "utf8")).trim();
}

/** Writes the edge's local secrets as a dotenv file for `wrangler dev --env-file` (not argv: ps shows argv). */
export async function writeEdgeEnvFile(dataDir: string, vars: Record<string, string>): Promise<string> {
  const file = path.join(dataDir, "edge.env");
  const lines = Object.entries(vars).map(([name, value]) => {
    // Single quotes keep dotenv from interpreting anything (JSON's escapes included).
    if (/['\n]/.test(value))
      throw new Error(`${name} cannot be passed to wrangler dev: it contains a quote or newline`);
    return `${name}='${value}'`;
  });
  await writeFile(file, `${lines.join("\n")}\n`, { mode: 0o600 });
  return file;
}
