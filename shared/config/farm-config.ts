/**
 * Farm (Node) configuration, read from process.env once at start-up.
 */
import { z } from "zod";
import { booleanFlag, optionalString, port, positiveInt, postgresUrl } from "./env-types.ts";

export const farmConfigSchema = z.object({
  FARM_HOST: z.string().default("127.0.0.1"),
  FARM_PORT: port(1080),
  DATABASE_URL: postgresUrl,
  DB_TIMEOUT_MS: positiveInt(3000),
  S3_ENDPOINT: optionalString,
  S3_REGION: z.string().default("us-east-1"),
  S3_BUCKET: z.string().min(3).default("movio"),
  S3_ACCESS_KEY_ID: z.string().default("movio-local"),
  S3_SECRET_ACCESS_KEY: z.string().default("movio-local"),
  S3_FORCE_PATH_STYLE: booleanFlag(true),
  FFMPEG_PATH: optionalString,
  FFPROBE_PATH: optionalString,
  FARM_TMP_DIR: optionalString,
  SHUTDOWN_GRACE_MS: positiveInt(10_000),
});

export type FarmConfig = z.output<typeof farmConfigSchema>;
