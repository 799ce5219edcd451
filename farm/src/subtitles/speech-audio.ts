/**
 * The audio a speech recogniser wants, made through the one ffmpeg door: the video's default
 * audio track (the first, as the encode maps it), mono, 16 kHz, FLAC — lossless at a sixth
 * of the size of 48 kHz stereo, and a format Transcribe takes. Undefined when the source has
 * no audio at all (nothing to transcribe). `access: "source-over-http"`: the source is the
 * loopback range server's URL (the upload or the kept speech audio, read by ranges from the
 * bucket), so nothing but the FLAC is written here.
 */
import path from "node:path";
import type { Ffmpeg, InputAccess } from "../media/ffmpeg.ts";

export const SPEECH_AUDIO_NAME = "speech.flac";

export async function writeSpeechAudio(
  ffmpeg: Ffmpeg,
  source: string,
  outDir: string,
  signal?: AbortSignal,
  access: InputAccess = "source",
): Promise<string | undefined> {
  const probe = await ffmpeg.probe(source, undefined, access);
  const audio = probe.streams.filter((s) => s.codec_type === "audio");
  const chosen = audio.find((s) => s.disposition?.default === 1) ?? audio[0];
  if (!chosen) return undefined;
  const output = path.join(outDir, SPEECH_AUDIO_NAME);
  await ffmpeg.run({
    inputs: [{ path: source, access }],
    outputOptions: [
      "-map",
      `0:${chosen.index}`,
      "-vn",
      "-sn",
      "-dn",
      "-ac",
      "1",
      "-ar",
      "16000",
      "-c:a",
      "flac",
    ],
    output,
    ...(signal ? { signal } : {}),
  });
  return output;
}
