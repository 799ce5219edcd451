import { type EdgeConfig, edgeConfigSchema } from "../../shared/config/edge-config.ts";
import { parseEnv } from "../../shared/config/env-parse.ts";
import type { Bindings } from "./env.ts";

// Bindings are the same object for every request an isolate serves, so parse once per object.
const cache = new WeakMap<object, EdgeConfig>();

export function readEdgeConfig(bindings: Bindings): EdgeConfig {
  let config = cache.get(bindings);
  if (!config) {
    config = parseEnv(edgeConfigSchema, bindings as unknown as Record<string, unknown>, "edge");
    cache.set(bindings, config);
  }
  return config;
}
