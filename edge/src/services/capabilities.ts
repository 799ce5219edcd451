/** What this deployment can do, so clients hide what it cannot (GET /api/v1/capabilities). */
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";

/**
 * Translation runs on the farm with the SDK's credential chain; the edge sees the same
 * variables (`npm start` and the deploy pass them to both) and calls it on when the farm
 * would find credentials or an endpoint override.
 */
export function translationEnabled(config: EdgeConfig): boolean {
  return Boolean(config.AWS_TRANSLATE_ENDPOINT || (config.AWS_ACCESS_KEY_ID && config.AWS_SECRET_ACCESS_KEY));
}

export function capabilities(config: EdgeConfig) {
  return {
    translation: { enabled: translationEnabled(config) },
    subtitles: { maxBytes: config.SUBTITLE_MAX_BYTES, formats: ["vtt", "srt"] as ("vtt" | "srt")[] },
  };
}
