/** What this deployment can do, so clients hide what it cannot (GET /api/v1/capabilities). */
import type { EdgeConfig } from "../../../shared/config/edge-config.ts";
import { transcriptionEnabled } from "../../../shared/config/transcription.ts";
import { translationEnabled } from "../../../shared/config/translation.ts";

/** Translation and captions: the farm's own rules, so edge and farm never disagree on whether it is on. */
export function capabilities(config: EdgeConfig) {
  return {
    translation: { enabled: translationEnabled(config) },
    captions: {
      enabled: transcriptionEnabled(config),
      languages: transcriptionEnabled(config) ? config.TRANSCRIBE_LANGUAGE_OPTIONS : [],
      maxDurationS: config.TRANSCRIBE_MAX_DURATION_S,
      monthlyMinutes: config.TRANSCRIBE_MONTHLY_MINUTES,
    },
    subtitles: { maxBytes: config.SUBTITLE_MAX_BYTES, formats: ["vtt", "srt"] as ("vtt" | "srt")[] },
  };
}
