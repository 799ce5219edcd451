/**
 * The source the HTTP-read tests serve (ffmpeg-http-source, source-server): 8 s at 30 fps with
 * a tone, at a high bitrate so the video's bytes span most of the file, the index first so
 * ffmpeg reads the media on from its first request; and how many packets of a stream a copy
 * of it kept (a copy cut short has fewer).
 */
import { execFileSync } from "node:child_process";
import path from "node:path";

/** Writes the clip into `dir`; returns its path. */
export function httpSourceClip(dir: string): string {
  const source = path.join(dir, "source.mp4");
  execFileSync("ffmpeg", [
    ...["-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30"],
    ...["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "8"],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-b:v", "8M", "-c:a", "aac", "-shortest"],
    ...["-movflags", "+faststart", source],
  ]);
  return source;
}

/** Packets of `stream` (an ffprobe stream specifier: "v:0", "a:0") in `file`. */
export const packetCount = (file: string, stream: string) =>
  Number(
    execFileSync("ffprobe", [
      ...["-v", "error", "-select_streams", stream, "-count_packets"],
      ...["-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", file],
    ])
      .toString()
      .trim(),
  );
