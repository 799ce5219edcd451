/**
 * Subtitle parsing off the event loop. An extracted stream can hold anything a source's
 * author wrote (a line of 60,000 no-break spaces froze the farm for 8.7 s before the cue
 * text scans were made linear), and even linear work on megabytes of cues takes long enough
 * to delay heartbeats, lease renewals and /healthz. So each stream is parsed in a worker
 * thread of its own: the event loop only copies bytes in and cues out.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Cue } from "../../../shared/subtitles/cue.ts";

/**
 * The worker runs the same TypeScript sources through tsx, loaded explicitly: the process's
 * own flags may not have it (a test runner transforms in-process), and Node's type stripping
 * alone does not take every construct the shared code uses.
 */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

type Reply = { cues: Cue[] } | { error: string };

/** The file's cues; rejects with the parser's message, or when `signal` aborts (the worker is stopped). */
export function parseSubtitlesOffThread(bytes: Uint8Array, signal?: AbortSignal): Promise<Cue[]> {
  signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./parse-subtitles-worker.ts", import.meta.url), {
      workerData: { bytes },
      execArgv: ["--import", TSX_LOADER],
      transferList: [bytes.buffer as ArrayBuffer],
    });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", stop);
      void worker.terminate();
      outcome();
    };
    const stop = () => settle(() => reject(signal?.reason));
    signal?.addEventListener("abort", stop, { once: true });
    worker.once("message", (reply: Reply) =>
      settle(() => ("cues" in reply ? resolve(reply.cues) : reject(new Error(reply.error)))),
    );
    worker.once("error", (err) => settle(() => reject(err)));
    worker.once("exit", (code) =>
      settle(() => reject(new Error(`the subtitle parser stopped (exit code ${code})`))),
    );
  });
}
