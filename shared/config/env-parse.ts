import type { z } from "zod";

/**
 * Validates a bag of environment variables against a schema and throws one readable error
 * listing every bad variable, so a misconfigured deploy fails at start with a clear message.
 * The message names each variable and shows its value, except for secrets (below): start-up
 * errors end up in CI logs, container logs and Workers observability.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  source: Record<string, unknown>,
  side: string,
): z.output<S> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = issue.path.join(".") || "(root)";
    const value = issue.path.length === 1 ? source[String(issue.path[0])] : undefined;
    return `  ${name} (${describeValue(name, value)}): ${issue.message}`;
  });
  throw new ConfigError(`Invalid ${side} configuration:\n${lines.join("\n")}`);
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * The one list of secret variables; names that look like them (below) count too, so a new
 * `ALGOLIA_API_KEY` or `WEBHOOK_SECRET` is hidden without anyone remembering this file.
 */
export const SECRET_VARIABLES = [
  "DATABASE_URL",
  "JWT_PRIVATE_JWK",
  "CDN_TOKEN_SECRET",
  "S3_SECRET_ACCESS_KEY",
  "AWS_SECRET_ACCESS_KEY",
  "SMTP_URL",
] as const;

// Key ids (`…_KEY_ID`) are not secret; key sets (`…_JWKS`) may be pasted with private parts.
const SECRET_NAME = /SECRET|PASSWORD|PASSWD|PRIVATE|CREDENTIAL|TOKEN$|_KEY$|_JWKS?$|_DSN$|DATABASE_URL/i;

export function isSecretVariable(name: string): boolean {
  return (SECRET_VARIABLES as readonly string[]).includes(name) || SECRET_NAME.test(name);
}

function describeValue(name: string, value: unknown): string {
  if (value === undefined) return "unset";
  if (isSecretVariable(name)) return "secret, value not shown";
  return JSON.stringify(withoutUrlPassword(value));
}

/** `https://user:pass@host` → `https://user:***@host`, for URLs that are not marked secret. */
function withoutUrlPassword(value: unknown): unknown {
  if (typeof value !== "string") return value;
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:\s]*:)[^/@\s]*@/i, "$1***@");
}
