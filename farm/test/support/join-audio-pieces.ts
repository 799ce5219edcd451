/**
 * Test support: the audio pieces (each a raw AAC file per track, in timeline order) joined into
 * one MP4 with a track each, as the single encode writes it — the priming frame at −1024
 * samples, marked to skip, the last frame ending at the source's duration. The product never
 * joins them (each piece publishes its own segments); the tests compare this join with one
 * encode of the whole, frame for frame.
 */
import { readFile, writeFile } from "node:fs/promises";
import { AUDIO_RATE, copyWithTail, primedInputs } from "../../src/media/audio-pieces.ts";
import type { Ffmpeg } from "../../src/media/ffmpeg.ts";

export async function joinAudioPieces(
  ffmpeg: Ffmpeg,
  input: {
    pieces: string[][];
    tracks: number;
    joined: (track: number) => string;
    output: string;
    /** The source's duration: where the last frame's samples end (ADTS cannot say). */
    durationMs: number;
  },
): Promise<void> {
  const files: string[] = [];
  for (let track = 0; track < input.tracks; track++) {
    const joined = Buffer.concat(await Promise.all(input.pieces.map((piece) => readFile(piece[track]!))));
    await writeFile(input.joined(track), joined);
    files.push(input.joined(track));
  }
  const endSample = Math.round((input.durationMs / 1000) * AUDIO_RATE);
  await ffmpeg.run({
    inputs: primedInputs(files),
    outputOptions: [...(await copyWithTail(files, endSample)), "-f", "mp4"],
    output: input.output,
  });
}
