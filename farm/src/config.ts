import { parseEnv } from "../../shared/config/env-parse.ts";
import { type FarmConfig, farmConfigSchema } from "../../shared/config/farm-config.ts";

/** Reads and validates the farm's configuration; called once, in main.ts. */
export function readFarmConfig(env: NodeJS.ProcessEnv = process.env): FarmConfig {
  return parseEnv(farmConfigSchema, env, "farm");
}
