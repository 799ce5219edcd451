import type { z } from "zod";

/**
 * Validates a bag of environment variables against a schema and throws one readable error
 * listing every bad variable, so a misconfigured deploy fails at start with a clear message.
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
    const shown = value === undefined ? "unset" : JSON.stringify(value);
    return `  ${name} (${shown}): ${issue.message}`;
  });
  throw new ConfigError(`Invalid ${side} configuration:\n${lines.join("\n")}`);
}

export class ConfigError extends Error {
  override name = "ConfigError";
}
