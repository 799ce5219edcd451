import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";
import { locateMediaTools } from "../src/media/ffmpeg-locate.ts";

const originalPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = originalPath;
});

describe("locating ffmpeg", () => {
  it("prefers FFMPEG_PATH and reports its version", () => {
    const shipped = (createRequire(import.meta.url)("@ffmpeg-installer/ffmpeg") as { path: string }).path;
    const tools = locateMediaTools({ FFMPEG_PATH: shipped });
    expect(tools.ffmpeg).toMatchObject({ path: shipped, source: "env" });
    expect(tools.ffmpeg.version).toMatch(/\S+/);
  });

  it("refuses an FFMPEG_PATH that is not a runnable ffmpeg", () => {
    expect(() => locateMediaTools({ FFMPEG_PATH: "/nonexistent/ffmpeg" })).toThrow(
      /FFMPEG_PATH=\/nonexistent\/ffmpeg/,
    );
  });

  it("falls back to the binary shipped in the npm package when PATH has none", () => {
    process.env.PATH = "/nonexistent";
    const tools = locateMediaTools({});
    expect(tools.ffmpeg.source).toBe("npm");
    expect(tools.ffprobe.source).toBe("npm");
    const banner = execFileSync(tools.ffmpeg.path, ["-hide_banner", "-version"], { encoding: "utf8" });
    expect(banner).toContain(tools.ffmpeg.version);
  });
});
