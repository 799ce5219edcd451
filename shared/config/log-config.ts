/** LOG_LEVEL and LOG_FORMAT, read the same way by the edge and the farm (shared/logging/logger.ts). */
import { z } from "zod";
import { LOG_FORMATS, LOG_LEVELS } from "../logging/logger.ts";

/** Case and surrounding blanks do not matter; empty means the default. */
const word = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim().toLowerCase() : undefined);

export const logConfigFields = {
  /** Lines below this level are dropped: debug, info, warn or error. */
  LOG_LEVEL: z.preprocess(word, z.enum(LOG_LEVELS).default("info")),
  /** `json` (one JSON object per line, for collectors) or `pretty` (the local stack). */
  LOG_FORMAT: z.preprocess(word, z.enum(LOG_FORMATS).default("json")),
};
