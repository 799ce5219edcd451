/**
 * The one door to ffmpeg and ffprobe. Built on fluent-ffmpeg (archived in 2025): nothing
 * outside this file knows that, so it can become a plain `spawn` wrapper if it misbehaves.
 * Gives: probe as JSON, runs with progress callback, abort signal, and the stderr tail on
 * every error. Every input is read as untrusted (source-formats.ts).
 */
import { execFile } from "node:child_process";
import ffmpeg from "fluent-ffmpeg";
import type { MediaTools } from "./ffmpeg-locate.ts";
import { SOURCE_PROTOCOLS, sourceFormatWhitelist } from "./source-formats.ts";

export class FfmpegError extends Error {
  override name = "FfmpegError";
  constructor(
    message: string,
    readonly stderrTail: string,
  ) {
    super(`${message}${stderrTail ? `\n--- ffmpeg stderr (tail) ---\n${stderrTail}` : ""}`);
  }
}

export interface ProbeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string | number;
  start_time?: string | number;
  tags?: Record<string, string>;
  disposition?: Record<string, number>;
  side_data_list?: { rotation?: number }[];
  sample_aspect_ratio?: string;
  field_order?: string;
  color_transfer?: string;
  color_primaries?: string;
  pix_fmt?: string;
  channels?: number;
  channel_layout?: string;
}

export interface ProbeResult {
  format: {
    format_name?: string;
    duration?: string | number;
    size?: string | number;
    bit_rate?: string | number;
  };
  streams: ProbeStream[];
  /** What ffprobe complained about while reading (it may still have produced a result). */
  warnings: string;
}

/**
 * How far an input is trusted. `source` (the default): an upload, read from a local file.
 * `source-over-http`: an upload too, but read with byte ranges from our own loopback server
 * (chunked transcoding reads only its part of the source); only HTTP is added to what it may
 * open. `own-output`: files this farm encoded itself (a chunk list for the concat demuxer).
 */
export type InputAccess = "source" | "source-over-http" | "own-output";

export interface RunInput {
  path: string;
  options?: string[];
  access?: InputAccess;
}

export interface RunOptions {
  inputs: RunInput[];
  /** Everything between the inputs and the output: filters, maps, codecs, muxer options. */
  outputOptions: string[];
  output: string;
  /** Further outputs of the same run, each with its own options (after `output`). */
  moreOutputs?: { options: string[]; path: string }[];
  signal?: AbortSignal;
  /** Seconds of output written so far. */
  onProgress?: (seconds: number) => void;
  /**
   * Work nobody waits for yet (a chunked video's poster): run at a lower CPU priority (nice
   * 10), so what a viewer waits for beside it on the node gets the cores first.
   */
  background?: boolean;
}

const tail = (text: string, lines = 25) => text.trim().split("\n").slice(-lines).join("\n");

/**
 * Why a run failed, for metrics: `stopped` (we aborted it: lease lost, video deleted, shutdown),
 * `timeout` (ffprobe's), `not_found` (the binary could not be started), `killed` (a signal we
 * did not send, e.g. the OOM killer), `exit` (non-zero exit: bad input or options), `no_output`
 * (ffprobe printed no result).
 */
export type FfmpegFailure = "stopped" | "timeout" | "not_found" | "killed" | "exit" | "no_output";

export type FfmpegFailureHook = (tool: "ffmpeg" | "ffprobe", reason: FfmpegFailure) => void;

export class Ffmpeg {
  private formats: Promise<string> | undefined;
  private filters: Promise<Set<string>> | undefined;

  constructor(
    private readonly tools: MediaTools,
    /** Told about every failed run (metrics). */
    private readonly onFailure: FfmpegFailureHook = () => undefined,
  ) {}

  /** Options before every input: sources are untrusted (see source-formats.ts). */
  private async sourceOptions(access: InputAccess = "source"): Promise<string[]> {
    if (access === "own-output") return ["-protocol_whitelist", "file"];
    this.formats ??= sourceFormatWhitelist(this.tools.ffmpeg.path).catch((err: unknown) => {
      this.formats = undefined; // asked again next time
      throw err;
    });
    const whitelists = ["-format_whitelist", await this.formats];
    if (access !== "source-over-http") return ["-protocol_whitelist", SOURCE_PROTOCOLS, ...whitelists];
    // A read that ends before its Content-Length (the loopback server lost its S3 stream) is
    // resumed with a range from where it stopped. Without this ffmpeg takes it for the end of
    // the input, and exits 0 with the video cut short (farm/test/ffmpeg-http-source.test.ts).
    return ["-protocol_whitelist", "http,tcp", "-reconnect", "1", ...whitelists];
  }

  /** Whether this ffmpeg build has every named filter (builds differ: zscale needs libzimg). */
  async hasFilters(...names: string[]): Promise<boolean> {
    this.filters ??= new Promise((resolve) => {
      execFile(this.tools.ffmpeg.path, ["-hide_banner", "-filters"], (err, stdout) => {
        const found = new Set<string>();
        if (!err) for (const match of String(stdout).matchAll(/^ \S+ (\w+)\s/gm)) found.add(match[1]!);
        resolve(found);
      });
    });
    const available = await this.filters;
    return names.every((name) => available.has(name));
  }

  /** ffprobe directly (fluent-ffmpeg's ffprobe hides the warnings we need to explain refusals). */
  async probe(file: string, timeoutMs = 30_000, access: InputAccess = "source"): Promise<ProbeResult> {
    const args = [
      "-v",
      "error",
      ...(await this.sourceOptions(access)),
      "-print_format",
      "json",
      "-show_streams",
      "-show_format",
      file,
    ];
    return new Promise((resolve, reject) => {
      execFile(
        this.tools.ffprobe.path,
        args,
        { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (err) {
            const code = (err as { code?: unknown }).code;
            this.onFailure(
              "ffprobe",
              err.killed
                ? "timeout"
                : code === "ENOENT" || code === "EACCES"
                  ? "not_found"
                  : err.signal
                    ? "killed"
                    : "exit",
            );
            return reject(new FfmpegError("ffprobe could not read the file", tail(String(stderr))));
          }
          try {
            const parsed = JSON.parse(stdout) as Omit<ProbeResult, "warnings">;
            resolve({ format: parsed.format ?? {}, streams: parsed.streams ?? [], warnings: String(stderr) });
          } catch {
            this.onFailure("ffprobe", "no_output");
            reject(new FfmpegError("ffprobe printed no result", tail(String(stderr))));
          }
        },
      );
    });
  }

  async run(options: RunOptions): Promise<void> {
    const inputOptions = await Promise.all(options.inputs.map((input) => this.sourceOptions(input.access)));
    return new Promise((resolve, reject) => {
      let stderr = "";
      const command = ffmpeg(options.background ? { niceness: 10 } : {}).setFfmpegPath(
        this.tools.ffmpeg.path,
      );
      options.inputs.forEach((input, i) => {
        command.input(input.path);
        command.inputOptions(...(inputOptions[i] ?? []), ...(input.options ?? []));
      });
      // Spread, not an array: given an array (or a single string), fluent-ffmpeg splits any
      // "a b" value in two, which breaks values with spaces such as -adaptation_sets.
      command.outputOptions(...options.outputOptions).output(options.output);
      for (const more of options.moreOutputs ?? []) command.output(more.path).outputOptions(...more.options);
      // Progress from ffmpeg's own stats lines ("… time=00:00:04.10 …"), not fluent-ffmpeg's
      // "progress" event: listening to that makes fluent-ffmpeg run an ffprobe of its own on the
      // first input, without our protocol and format whitelists (an untrusted source parsed
      // unguarded) and, for a source over HTTP, a second read of it from byte 0.
      command.on("stderr", (line: string) => {
        stderr = `${stderr.slice(-20_000)}${line}\n`;
        if (!options.onProgress) return;
        const seconds = parseTimemark(/\btime=(\S+)/.exec(line)?.[1]);
        if (seconds !== undefined) options.onProgress(seconds);
      });
      const onAbort = () => command.kill("SIGKILL");
      options.signal?.addEventListener("abort", onAbort, { once: true });
      command.on("end", () => {
        options.signal?.removeEventListener("abort", onAbort);
        resolve();
      });
      command.on("error", (err: Error) => {
        options.signal?.removeEventListener("abort", onAbort);
        const why = options.signal?.aborted
          ? "ffmpeg was stopped"
          : `ffmpeg failed: ${err.message.split("\n")[0]}`;
        this.onFailure("ffmpeg", options.signal?.aborted ? "stopped" : runFailure(err.message));
        reject(new FfmpegError(why, tail(stderr)));
      });
      if (options.signal?.aborted) return reject(new FfmpegError("ffmpeg was stopped", ""));
      command.run();
    });
  }
}

/** fluent-ffmpeg's error messages: "Cannot find ffmpeg", "spawn … ENOENT", "ffmpeg was killed with signal …", "ffmpeg exited with code …". */
function runFailure(message: string): FfmpegFailure {
  if (/ENOENT|EACCES|Cannot find ffmpeg/.test(message)) return "not_found";
  if (/killed with signal/.test(message)) return "killed";
  return "exit";
}

function parseTimemark(mark: string | undefined): number | undefined {
  const match = /^(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(mark ?? "");
  if (!match) return undefined;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}
