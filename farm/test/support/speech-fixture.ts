/**
 * A video that speaks known words at known times: each phrase is rendered separately by
 * espeak-ng, placed at its start with ffmpeg (silence between), and muxed under a plain H.264
 * picture. The words' times are the phrase's measured span shared out by word length — what
 * the Transcribe stand-in answers with, so a test knows the second each word is spoken.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Phrase {
  text: string;
  /** When the phrase starts, in ms from the start of the video. */
  atMs: number;
}

export interface SpokenWord {
  /** The word as written, punctuation after it included ("harbour."). */
  text: string;
  startMs: number;
  endMs: number;
  speaker?: string;
}

export interface SpeechVideo {
  file: string;
  durationMs: number;
  words: SpokenWord[];
}

async function seconds(file: string): Promise<number> {
  const { stdout } = await run("ffprobe", [
    "-v",
    "error",
    "-show_entries",
    "format=duration",
    "-of",
    "default=nw=1:nk=1",
    file,
  ]);
  return Number(stdout.trim());
}

/** Renders the phrases into `dir`/speech.mp4 (video + mono AAC) lasting `durationMs`. */
export async function makeSpeechVideo(
  dir: string,
  phrases: Phrase[],
  durationMs: number,
): Promise<SpeechVideo> {
  const words: SpokenWord[] = [];
  const wavs: string[] = [];
  for (const [i, phrase] of phrases.entries()) {
    const wav = path.join(dir, `phrase-${i}.wav`);
    await run("espeak-ng", ["-v", "en-us", "-s", "150", "-w", wav, phrase.text]);
    wavs.push(wav);
    // espeak leaves a little silence at both ends; the words share the rest by length.
    const spanMs = (await seconds(wav)) * 1000;
    const lead = Math.min(80, spanMs / 10);
    const tokens = phrase.text.split(/\s+/).filter(Boolean);
    const weights = tokens.map((t) => t.replace(/[^\p{L}\p{N}]/gu, "").length + 1);
    const total = weights.reduce((a, b) => a + b, 0);
    let at = phrase.atMs + lead;
    const usable = spanMs - 2 * lead;
    tokens.forEach((token, k) => {
      const length = (usable * (weights[k] ?? 1)) / total;
      words.push({ text: token, startMs: Math.round(at), endMs: Math.round(at + length * 0.9) });
      at += length;
    });
  }
  const file = path.join(dir, "speech.mp4");
  const total = (durationMs / 1000).toFixed(3);
  const delays = phrases.map((p, i) => `[${i + 1}:a]aresample=48000,adelay=${p.atMs}:all=1[p${i}]`);
  const mix = `${phrases.map((_, i) => `[p${i}]`).join("")}amix=inputs=${phrases.length}:duration=longest:normalize=0,apad=whole_dur=${total}[a]`;
  await run("ffmpeg", [
    "-v",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    `color=c=0x336699:s=320x240:r=25:d=${total}`,
    ...wavs.flatMap((w) => ["-i", w]),
    "-filter_complex",
    [...delays, mix].join(";"),
    "-map",
    "0:v",
    "-map",
    "[a]",
    "-t",
    total,
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-pix_fmt",
    "yuv420p",
    "-c:a",
    "aac",
    "-ac",
    "1",
    file,
  ]);
  return { file, durationMs, words };
}
