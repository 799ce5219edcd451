import { describe, expect, it } from "vitest";
import { call } from "./helpers.ts";

describe("GET /watch/:id", () => {
  it("serves the player page with dash.js from this origin and a CSP that allows only the CDN besides", async () => {
    const res = await call("GET", `/watch/${crypto.randomUUID()}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<script src="/assets/dash.all.min.js"></script>');
    expect(html).not.toMatch(/<script[^>]+src=["']https?:/);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("media-src 'self' https://cdn.example.test blob:");
    expect(csp).toContain("connect-src 'self' https://cdn.example.test");
  });

  it("serves dash.js itself, bundled from npm", async () => {
    const res = await call("GET", "/assets/dash.all.min.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    const source = await res.text();
    expect(source.length).toBeGreaterThan(100_000);
    expect(source).toContain("MediaPlayer");
  });
});
