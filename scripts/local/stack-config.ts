/**
 * Settings of the local launcher (`npm start`). Every one is an environment variable with
 * the default shown in .env.example; a `.env` file in the repo root is read if present.
 */
import { z } from "zod";
import { parseEnv } from "../../shared/config/env-parse.ts";
import { booleanFlag, optionalString, port } from "../../shared/config/env-types.ts";
import { freePort } from "./ports.ts";

export const stackConfigSchema = z.object({
  MOVIO_DATA_DIR: z.string().default(".movio"),
  EDGE_PORT: port(8787),
  EDGE_INSPECTOR_PORT: port(9229),
  FARM_PORT: port(1080),
  S3_PORT: port(4569),
  CDN_PORT: port(8088),
  PG_PORT: port(54320),
  DB_WS_PROXY_PORT: port(54321),
  /** The local mail sink (maildev): SMTP, and its web UI + REST API. */
  MAIL_SMTP_PORT: port(1025),
  MAIL_WEB_PORT: port(8025),
  /** A real SMTP server for the farm instead of the local mail sink (then none is started). */
  SMTP_URL: optionalString,
  DATABASE_URL: optionalString,
  S3_ENDPOINT: optionalString,
  S3_BUCKET: z.string().min(3).default("movio"),
  S3_REGION: z.string().default("us-east-1"),
  S3_ACCESS_KEY_ID: z.string().default("movio-local"),
  S3_SECRET_ACCESS_KEY: z.string().default("movio-local"),
  FFMPEG_PATH: optionalString,
  FFPROBE_PATH: optionalString,
  /** Gcore secure-token key shared by the edge and the local CDN; generated when unset. */
  CDN_TOKEN_SECRET: optionalString,
  PLAYBACK_BIND_IP: booleanFlag(false),
  STACK_READY_TIMEOUT_MS: z.coerce.number().int().positive().default(90_000),
  /**
   * false: the launcher starts no farm; one started elsewhere (a container: `npm run
   * test:container`) listens on FARM_PORT, which the edge still names as its upload endpoint.
   */
  STACK_FARM: booleanFlag(true),
  /** The farm's own drain budget (farm config); the launcher waits that long plus a margin. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10_000),
});

export type StackConfig = z.output<typeof stackConfigSchema>;

export function readStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  return parseEnv(stackConfigSchema, env, "local stack");
}

/** The ports the launcher will bind, each with the variable that moves it. */
export function portsToBind(config: StackConfig): { port: number; variable: string; what: string }[] {
  const ports = [
    { port: config.EDGE_PORT, variable: "EDGE_PORT", what: "edge (wrangler dev)" },
    { port: config.EDGE_INSPECTOR_PORT, variable: "EDGE_INSPECTOR_PORT", what: "edge devtools inspector" },
    ...(config.STACK_FARM ? [{ port: config.FARM_PORT, variable: "FARM_PORT", what: "farm" }] : []),
    { port: config.CDN_PORT, variable: "CDN_PORT", what: "local CDN origin" },
    { port: config.DB_WS_PROXY_PORT, variable: "DB_WS_PROXY_PORT", what: "database WebSocket bridge" },
  ];
  if (!config.DATABASE_URL)
    ports.push({ port: config.PG_PORT, variable: "PG_PORT", what: "embedded PostgreSQL" });
  if (!config.S3_ENDPOINT) ports.push({ port: config.S3_PORT, variable: "S3_PORT", what: "local S3 server" });
  if (!config.SMTP_URL) {
    ports.push({ port: config.MAIL_SMTP_PORT, variable: "MAIL_SMTP_PORT", what: "mail sink SMTP" });
    ports.push({ port: config.MAIL_WEB_PORT, variable: "MAIL_WEB_PORT", what: "mail sink web UI" });
  }
  return ports;
}

const PORT_VARIABLES = [
  "EDGE_PORT",
  "EDGE_INSPECTOR_PORT",
  "FARM_PORT",
  "S3_PORT",
  "CDN_PORT",
  "PG_PORT",
  "DB_WS_PROXY_PORT",
  "MAIL_SMTP_PORT",
  "MAIL_WEB_PORT",
] as const;

export type StackPorts = Record<(typeof PORT_VARIABLES)[number], number>;

/**
 * Settings for a stack of its own beside any other (the stack test, benchmarks): free ports,
 * the given data directory, and the embedded database and S3 whatever the shell exports.
 */
export async function isolatedStackEnv(
  dataDir: string,
): Promise<{ env: Record<string, string>; ports: StackPorts }> {
  const ports = {} as StackPorts;
  for (const name of PORT_VARIABLES) ports[name] = await freePort();
  const env: Record<string, string> = {
    MOVIO_DATA_DIR: dataDir,
    ...Object.fromEntries(Object.entries(ports).map(([name, value]) => [name, String(value)])),
    DATABASE_URL: "",
    S3_ENDPOINT: "",
    SMTP_URL: "",
  };
  return { env, ports };
}
