/**
 * The Gcore secure token and the local CDN that enforces it: the signer against Gcore's
 * documented formula (computed by their OpenSSL recipe), and every check a request meets.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkToken, directoryOf, gcoreMd5, tokenQuery } from "../../shared/playback/gcore-token.ts";
import { GROWING_CACHE_CONTROL, IMMUTABLE_CACHE_CONTROL } from "../../shared/storage/content-types.ts";
import { createS3Client } from "../../shared/storage/s3-client.ts";
import { type CdnOrigin, startCdnOrigin } from "../local/cdn-origin.ts";
import { rewriteForToken } from "../local/manifest-rewrite.ts";
import { type LocalS3, startLocalS3 } from "../local/s3/s3-server.ts";

/** Gcore's OpenSSL script: echo -n "$expires$path$ip $secret" | openssl md5 -binary | openssl base64 | tr +/ -_ | tr -d = */
function gcoreReference(expires: number, pathPart: string, ip: string, secret: string): string {
  const digest = execFileSync("openssl", ["md5", "-binary"], {
    input: `${expires}${pathPart}${ip} ${secret}`,
  });
  return digest.toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

describe("Gcore secure token", () => {
  it("matches Gcore's documented formula, with and without IP binding", () => {
    const cases: [number, string, string, string][] = [
      [2147483647, "/live/133529_2/chunklist.m3u8", "1.2.3.4", "secret_key"],
      [2147483647, "/live/133529_2/", "", "secret_key"],
      [1767225600, "/media/3f1c/1-abcd1234/", "", "a-longer-secret-1234567890"],
      [1767225600, "/ü/ñ/", "2001:db8::1", "s3cr3t"],
    ];
    for (const [expires, p, ip, secret] of cases) {
      expect(gcoreMd5({ path: p, expires, ip, secret })).toBe(gcoreReference(expires, p, ip, secret));
    }
  });

  it("signs directories: a request is checked against its own directory", () => {
    expect(directoryOf("/media/v/1/seg-0-00001.m4s")).toBe("/media/v/1/");
    const q = new URLSearchParams(tokenQuery({ path: "/media/v/1/", expires: 2000000000, secret: "secret" }));
    const check = (p: string, now = 1000) =>
      checkToken({ path: p, md5: q.get("md5"), expires: q.get("expires") }, "secret", now);
    expect(check("/media/v/1/manifest.mpd")).toBe("ok");
    expect(check("/media/v/1/deeper/seg.m4s")).toBe("invalid");
    expect(check("/media/v/2/manifest.mpd")).toBe("invalid");
    expect(check("/media/v/1/manifest.mpd", 2000000001)).toBe("expired");
    expect(checkToken({ path: "/media/v/1/x", md5: null, expires: null }, "secret")).toBe("missing");
  });
});

describe("token forwarding into manifests", () => {
  const q = "md5=abc&expires=123";
  it("adds the token to DASH segment templates", () => {
    const mpd =
      '<SegmentTemplate initialization="init-$RepresentationID$.m4s" media="seg-$RepresentationID$-$Number%05d$.m4s"/>';
    expect(rewriteForToken("manifest.mpd", mpd, q)).toBe(
      `<SegmentTemplate initialization="init-$RepresentationID$.m4s?${q}" media="seg-$RepresentationID$-$Number%05d$.m4s?${q}"/>`,
    );
  });
  it("adds the token to every HLS URI, attribute or line", () => {
    const m3u8 =
      '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,URI="media_4.m3u8"\n#EXT-X-STREAM-INF:BANDWIDTH=1\nmedia_0.m3u8\n#EXT-X-MAP:URI="init-0.m4s"\nseg-0-00001.m4s\n';
    expect(rewriteForToken("master.m3u8", m3u8, q)).toBe(
      `#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,URI="media_4.m3u8?${q}"\n#EXT-X-STREAM-INF:BANDWIDTH=1\nmedia_0.m3u8?${q}\n#EXT-X-MAP:URI="init-0.m4s?${q}"\nseg-0-00001.m4s?${q}\n`,
    );
  });
  it("adds the token to storyboard sprites, before the #xywh fragment", () => {
    const vtt = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nstoryboard-00.jpg#xywh=0,0,160,90\n";
    expect(rewriteForToken("storyboard.vtt", vtt, q)).toContain(`storyboard-00.jpg?${q}#xywh=0,0,160,90`);
    expect(rewriteForToken("media/v/1/storyboard.vtt", vtt, q)).toContain(`storyboard-00.jpg?${q}#xywh`);
  });
  it("leaves subtitle text alone, and tokens the URIs of subtitle playlists", () => {
    const subtitles = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nholiday.jpg\n";
    expect(rewriteForToken("media/v/1/subs-abc-v2.vtt", subtitles, q)).toBe(subtitles);
    const master =
      '#EXTM3U\n#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",URI="subs-abc-v2.m3u8"\n';
    expect(rewriteForToken("master-v2.m3u8", master, q)).toContain(`URI="subs-abc-v2.m3u8?${q}"`);
    const playlist = "#EXTM3U\n#EXTINF:4.000,\nsubs-abc-v2.vtt\n#EXT-X-ENDLIST\n";
    expect(rewriteForToken("subs-abc-v2.m3u8", playlist, q)).toContain(`subs-abc-v2.vtt?${q}`);
  });
});

describe("local CDN origin", () => {
  let dir: string;
  let s3Server: LocalS3;
  let s3: S3Client;
  let cdn: CdnOrigin;
  const secret = "cdn-test-secret";
  const base = "media/v1/1-aaaa/";
  const signed = (file: string, expires = Math.floor(Date.now() / 1000) + 600, dirPath = `/${base}`) =>
    `${cdn.url}/${base}${file}?${tokenQuery({ path: dirPath, expires, secret })}`;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "movio-cdn-test-"));
    s3Server = await startLocalS3({
      directory: dir,
      port: 0,
      accessKeyId: "k",
      secretAccessKey: "x",
      buckets: ["movio"],
    });
    s3 = createS3Client({
      endpoint: s3Server.endpoint,
      region: "us-east-1",
      accessKeyId: "k",
      secretAccessKey: "x",
      forcePathStyle: true,
    });
    const put = (key: string, body: string | Buffer) =>
      s3.send(new PutObjectCommand({ Bucket: "movio", Key: key, Body: body }));
    await put(
      `${base}manifest.mpd`,
      '<MPD><SegmentTemplate initialization="init-0.m4s" media="seg-0-$Number$.m4s"/></MPD>',
    );
    await put(`${base}seg-0-1.m4s`, Buffer.alloc(1000, 7));
    await put(`${base}poster.jpg`, Buffer.from([0xff, 0xd8, 0xff]));
    await put(`${base}sub/x.m4s`, "x");
    cdn = await startCdnOrigin({ port: 0, s3, bucket: "movio", tokenSecret: secret });
  });

  afterAll(async () => {
    await cdn.close();
    s3.destroy();
    await s3Server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves a signed file with its content type, CORS and cache headers, and byte ranges (206)", async () => {
    const whole = await fetch(signed("seg-0-1.m4s"));
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe("video/iso.segment");
    expect(whole.headers.get("access-control-allow-origin")).toBe("*");
    expect(whole.headers.get("cache-control")).toContain("immutable");
    const part = await fetch(signed("seg-0-1.m4s"), {
      headers: { range: "bytes=10-19", origin: "http://player.test" },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 10-19/1000");
    expect((await part.arrayBuffer()).byteLength).toBe(10);
    expect((await fetch(signed("poster.jpg"))).headers.get("content-type")).toBe("image/jpeg");
  });

  it("forwards the token into the manifest it serves", async () => {
    const url = signed("manifest.mpd");
    const res = await fetch(url);
    expect(res.headers.get("content-type")).toBe("application/dash+xml");
    const query = new URL(url).search.slice(1);
    expect(await res.text()).toContain(`media="seg-0-$Number$.m4s?${query}"`);
  });

  it("passes on the Cache-Control stored with an object: growing manifests never cached, finished ones for good", async () => {
    const put = (key: string, body: string, CacheControl: string) =>
      s3.send(new PutObjectCommand({ Bucket: "movio", Key: `${base}${key}`, Body: body, CacheControl }));
    const playlist =
      '#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-MAP:URI="init-0.m4s"\n#EXTINF:2,\nseg-0-1.m4s\n';
    await put("live-media_0.m3u8", playlist, GROWING_CACHE_CONTROL);
    await put("live-manifest.mpd", '<MPD type="dynamic"></MPD>', GROWING_CACHE_CONTROL);
    await put("finished-media_0.m3u8", `${playlist}#EXT-X-ENDLIST\n`, IMMUTABLE_CACHE_CONTROL);
    await put("seg-0-2.m4s", "x", IMMUTABLE_CACHE_CONTROL);
    expect((await fetch(signed("live-media_0.m3u8"))).headers.get("cache-control")).toBe("no-store");
    expect((await fetch(signed("live-manifest.mpd"))).headers.get("cache-control")).toBe("no-store");
    // A manifest carries the viewer's token: private, for as long as it was stored for.
    expect((await fetch(signed("finished-media_0.m3u8"))).headers.get("cache-control")).toBe(
      "private, max-age=31536000, immutable",
    );
    expect((await fetch(signed("seg-0-2.m4s"))).headers.get("cache-control")).toBe(IMMUTABLE_CACHE_CONTROL);
    // Stored without one (older objects): the rule by name.
    expect((await fetch(signed("manifest.mpd"))).headers.get("cache-control")).toBe("private, max-age=60");
  });

  it("refuses token-less (403), tampered (403), expired (410), other-directory and subdirectory (403) requests", async () => {
    expect((await fetch(`${cdn.url}/${base}seg-0-1.m4s`)).status).toBe(403);
    const good = new URL(signed("seg-0-1.m4s"));
    const md5 = good.searchParams.get("md5") ?? "";
    good.searchParams.set("md5", `${md5.slice(0, -1)}${md5.endsWith("A") ? "B" : "A"}`);
    expect((await fetch(good)).status).toBe(403);
    const extended = new URL(signed("seg-0-1.m4s"));
    extended.searchParams.set("expires", String(Number(extended.searchParams.get("expires")) + 3600));
    expect((await fetch(extended)).status).toBe(403);
    expect((await fetch(signed("seg-0-1.m4s", Math.floor(Date.now() / 1000) - 5))).status).toBe(410);
    expect((await fetch(signed("seg-0-1.m4s", undefined, "/media/v2/1-aaaa/"))).status).toBe(403);
    const sub = new URL(signed("seg-0-1.m4s"));
    expect((await fetch(`${cdn.url}/${base}sub/x.m4s${sub.search}`)).status).toBe(403);
  });

  it("refuses an encoded slash in the path (403), which would carry a directory token into a subdirectory", async () => {
    const token = new URL(signed("seg-0-1.m4s")).search;
    for (const slash of ["%2F", "%2f"]) {
      const res = await fetch(`${cdn.url}/${base}sub${slash}x.m4s${token}`);
      expect(res.status).toBe(403);
      expect(await res.text()).not.toBe("x");
    }
  });
});
