import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call } from "./helpers.ts";

describe("GET /watch/:id", () => {
  it("serves the player page: scripts only from this origin, a CSP that allows only the CDN besides", async () => {
    const res = await call("GET", `/watch/${crypto.randomUUID()}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<script type="module" src="\/assets\/watch-[A-Z0-9]+\.js"><\/script>/);
    expect(html).not.toMatch(/<script[^>]+src=["']https?:/);
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline code
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("media-src 'self' blob: https://cdn.example.test");
    expect(csp).toContain("connect-src 'self' https://cdn.example.test");
    expect(csp).not.toContain("unsafe-inline");
  });

  it("the player (dash.js, bundled from npm) is a chunk of its own, loaded on demand", async () => {
    const manifest = (await (await env.ASSETS.fetch("http://edge.test/asset-manifest.json")).json()) as {
      pages: Record<string, { script: string; preload: string[] }>;
      lazy: string[];
    };
    const sources = await Promise.all(
      manifest.lazy.map(async (file) => (await env.ASSETS.fetch(new URL(file, "http://edge.test"))).text()),
    );
    const player = sources.find((source) => source.includes("MediaPlayer"));
    expect(player?.length).toBeGreaterThan(100_000);
    // Not loaded by any page up front.
    const eager = Object.values(manifest.pages).flatMap((page) => [page.script, ...page.preload]);
    for (const file of manifest.lazy) expect(eager).not.toContain(file);
  });
});
