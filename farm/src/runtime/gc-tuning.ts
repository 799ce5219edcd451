/**
 * Garbage-collector settings for the farm process, applied once at start (main.ts).
 *
 * A node streams gigabytes through Node Buffers: the source to ffmpeg through the loopback
 * range server (twice to ffmpeg for the single-node encode: the audio's second opening),
 * segments and uploads to S3. Each chunk a socket reads is memory outside V8's heap, and V8 by default
 * starts a full collection of the whole heap whenever that "external" memory has grown by
 * ~64 MB — every ~64 MB streamed, a mark of every live object. Counting external memory in
 * the global heap limit instead (`--external-memory-accounted-in-global-limit`, V8 13+: Node
 * 24) halved the CPU of streaming 510 MB through the range server in a process with a
 * ~100 MB heap (2.0 → 0.9 s; bench/README), for ~60 MB more peak RSS.
 *
 * Set on V8 13 and later (Node 24's V8 13.6 has it; farm/test/gc-tuning.test.ts checks the
 * runtime takes it); an older V8 is left as is rather than told a flag it may not know.
 */
import v8 from "node:v8";

export const EXTERNAL_MEMORY_FLAG = "--external-memory-accounted-in-global-limit";

/** Whether to set the flag on this V8: 13 and later (whether it takes it is the test's to check). */
export const shouldSetExternalMemoryFlag = (v8Version = process.versions.v8) =>
  Number(v8Version.split(".")[0]) >= 13;

export function tuneGarbageCollector(): boolean {
  if (!shouldSetExternalMemoryFlag()) return false;
  v8.setFlagsFromString(EXTERNAL_MEMORY_FLAG);
  return true;
}
