import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, callJson } from "./helpers.ts";

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { requestBody?: unknown; security?: unknown }>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
}

describe("GET /openapi.json", () => {
  it("documents every route from the same zod schemas that validate requests", async () => {
    const res = await callJson<OpenApi>("GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    expect(Object.keys(res.body.paths).sort()).toEqual(
      [
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/auth/password-reset",
        "/api/v1/auth/password-reset/confirm",
        "/api/v1/auth/refresh",
        "/api/v1/auth/signup",
        "/api/v1/auth/verify-email",
        "/api/v1/auth/verify-email/resend",
        "/api/v1/auth/web/login",
        "/api/v1/auth/web/logout",
        "/api/v1/auth/web/refresh",
        "/api/v1/auth/web/signup",
        "/api/v1/me",
        "/api/v1/me/email",
        "/api/v1/me/password",
        "/api/v1/me/sessions",
        "/api/v1/me/sessions/sign-out-others",
        "/api/v1/me/videos",
        "/api/v1/videos",
        "/api/v1/videos/{id}",
        "/api/v1/videos/{id}/playback",
        "/api/v1/videos/{id}/upload",
        "/api/v1/videos/{id}/subtitles",
        "/api/v1/videos/{id}/subtitles/{lang}",
        "/api/v1/videos/{id}/subtitles/{lang}/cues",
        "/api/v1/videos/{id}/subtitles/{lang}/translations",
        "/api/v1/videos/{id}/captions",
        "/api/v1/capabilities",
        "/api/v1/search",
        "/api/v1/admin/stats",
        "/api/v1/admin/jobs",
        "/api/v1/admin/jobs/{id}",
        "/api/v1/admin/jobs/{id}/retry",
        "/api/v1/admin/jobs/{id}/cancel",
        "/api/v1/admin/videos/{id}/reprocess",
        "/api/v1/admin/nodes",
        "/api/v1/admin/actions",
        "/api/v1/webhooks",
        "/api/v1/webhooks/{id}",
        "/api/v1/webhooks/{id}/rotate-secret",
        "/api/v1/webhooks/{id}/enable",
        "/api/v1/webhooks/{id}/deliveries",
        "/api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver",
      ].sort(),
    );
    expect(Object.keys(res.body.paths["/api/v1/videos/{id}"]!).sort()).toEqual(["delete", "get", "patch"]);
    expect(Object.keys(res.body.paths["/api/v1/me"]!).sort()).toEqual(["delete", "get", "patch"]);
    const signup = res.body.components.schemas.SignupRequest!;
    expect(signup.required?.sort()).toEqual(["displayName", "email", "password"]);
    expect(signup.properties?.password).toMatchObject({ minLength: 10 });
    expect(res.body.paths["/api/v1/videos"]!.post!.security).toEqual([{ bearer: [] }]);
    const reissue = res.body.paths["/api/v1/videos/{id}/upload"]!.post! as {
      security: unknown;
      responses: Record<string, { content?: { "application/json": { schema: { $ref?: string } } } }>;
    };
    expect(reissue.security).toEqual([{ bearer: [] }]);
    expect(reissue.responses["200"]?.content?.["application/json"].schema.$ref).toBe(
      "#/components/schemas/UploadTicket",
    );
    expect(Object.keys(reissue.responses).sort()).toEqual(["200", "400", "401", "403", "404", "409", "429"]);
  });
});

describe("GET /doc", () => {
  it("serves Scalar's API reference from this origin, configured by data, with no inline script", async () => {
    const res = await call("GET", "/doc");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    // Every script is either ours (a same-origin path) or a JSON data block; none runs inline code.
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(2);
    const [config, bundle] = scripts;
    expect(config![1]).toContain('type="application/json"');
    expect(config![2]).toBe("");
    const configuration = JSON.parse(
      /data-configuration="([^"]*)"/
        .exec(config![1]!)![1]!
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, "&"),
    );
    expect(configuration).toMatchObject({
      url: "/openapi.json",
      withDefaultFonts: false,
      telemetry: false,
      authentication: { preferredSecurityScheme: "bearer" },
    });
    expect(configuration).not.toHaveProperty("proxyUrl");
    const src = /src="([^"]+)"/.exec(bundle![1]!)![1]!;
    expect(src).toMatch(/^\/assets\/scalar-api-reference-[0-9a-f]{10}\.js$/);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);

    // The bundle is a static asset of this Worker (from the npm package, via the web build).
    const asset = await env.ASSETS.fetch(new URL(src, "https://assets.local"));
    expect(asset.status).toBe(200);
    expect(await asset.text()).toContain("createApiReference");

    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("connect-src 'self';");
    expect(csp).not.toMatch(/https?:/);
  });
});
