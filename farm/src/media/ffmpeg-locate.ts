/**
 * Finds the ffmpeg/ffprobe binaries: `FFMPEG_PATH`/`FFPROBE_PATH`, else the system's on
 * PATH, else the static build shipped inside an npm package (@ffmpeg-installer), so a
 * fresh machine without ffmpeg still works. Reports where it came from and its version.
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";

export interface MediaBinary {
  path: string;
  source: "env" | "system" | "npm";
  version: string;
}

export interface MediaTools {
  ffmpeg: MediaBinary;
  ffprobe: MediaBinary;
}

const require = createRequire(import.meta.url);

export function locateMediaTools(env: { FFMPEG_PATH?: string; FFPROBE_PATH?: string }): MediaTools {
  return {
    ffmpeg: locate("ffmpeg", env.FFMPEG_PATH, "@ffmpeg-installer/ffmpeg"),
    ffprobe: locate("ffprobe", env.FFPROBE_PATH, "@ffprobe-installer/ffprobe"),
  };
}

function locate(name: string, configured: string | undefined, npmPackage: string): MediaBinary {
  if (configured) {
    const version = probeVersion(configured);
    if (!version) throw new Error(`${name.toUpperCase()}_PATH=${configured} is not a runnable ${name}`);
    return { path: configured, source: "env", version };
  }
  const systemVersion = probeVersion(name);
  if (systemVersion) return { path: name, source: "system", version: systemVersion };
  const shipped = (require(npmPackage) as { path: string }).path;
  const shippedVersion = probeVersion(shipped);
  if (!shippedVersion) throw new Error(`no runnable ${name}: set ${name.toUpperCase()}_PATH`);
  return { path: shipped, source: "npm", version: shippedVersion };
}

/** First line of `-version`, e.g. "5.1.9-0+deb12u1"; undefined when it cannot run. */
function probeVersion(binary: string): string | undefined {
  try {
    const out = execFileSync(binary, ["-hide_banner", "-version"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
    });
    return /version (\S+)/.exec(out)?.[1] ?? "unknown";
  } catch {
    return undefined;
  }
}

export function describeMediaBinary(binary: MediaBinary): string {
  return `${binary.path} (${binary.source}, version ${binary.version})`;
}
