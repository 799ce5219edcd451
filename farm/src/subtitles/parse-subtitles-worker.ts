/**
 * The worker thread of parse-off-thread.ts: parses one subtitle file given as bytes and posts
 * back its cues, or the parse error's message. Nothing else runs here.
 */
import { parentPort, workerData } from "node:worker_threads";
import { parseSubtitles } from "../../../shared/subtitles/parse.ts";

const { bytes } = workerData as { bytes: Uint8Array };
try {
  parentPort?.postMessage({ cues: parseSubtitles(bytes).cues });
} catch (err) {
  parentPort?.postMessage({ error: err instanceof Error ? err.message : String(err) });
}
