/** What this deployment can do, so clients hide what it cannot (GET /api/v1/capabilities). */
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import { translationEnabled } from "../../../shared/config/translation.ts";

/** Translation: the farm's own rule, so edge and farm never disagree on whether it is on. */
export function capabilities(config: EdgeConfig) {
  return {
    translation: { enabled: translationEnabled(config) },
    subtitles: { maxBytes: config.SUBTITLE_MAX_BYTES, formats: ["vtt", "srt"] as ("vtt" | "srt")[] },
  };
}
