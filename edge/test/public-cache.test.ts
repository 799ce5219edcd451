/**
 * Anonymous reads that are the same for everyone come from the edge cache for
 * PUBLIC_CACHE_TTL_S; nothing private, unlisted or token-bound is cached, and a change is
 * visible within the TTL — a private or deleted video never readable from cache beyond it.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type CallOptions, call, callJson, createVideo, db, markReady, signUp } from "./helpers.ts";

const TTL_S = 2;
const cached: CallOptions = { bindings: { PUBLIC_CACHE_TTL_S: String(TTL_S) } };
const anonymous = (path: string) => call("GET", path, cached);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function publicVideo(title: string) {
  const owner = await signUp();
  const { video } = await createVideo(owner.accessToken, { title, visibility: "public" });
  await markReady(video.id);
  return { owner, id: video.id };
}

/** Reads `path` anonymously until `check` holds, at most `ms`; returns how long it took. */
async function until(path: string, check: (status: number, body: string) => boolean, ms: number) {
  const started = Date.now();
  for (;;) {
    const response = await anonymous(path);
    if (check(response.status, await response.text())) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`${path} did not change within ${ms} ms`);
    await sleep(200);
  }
}

describe("edge cache for public reads", () => {
  it("serves the anonymous catalog and a public video from the cache, with cache headers", async () => {
    const { id } = await publicVideo("Cached lighthouse");
    const first = await anonymous(`/api/v1/videos/${id}`);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-edge-cache")).toBe("miss");
    expect(first.headers.get("cache-control")).toBe(`public, max-age=0, s-maxage=${TTL_S}`);
    const second = await anonymous(`/api/v1/videos/${id}`);
    expect(second.headers.get("x-edge-cache")).toBe("hit");
    expect(await second.json()).toMatchObject({ id, title: "Cached lighthouse" });
    expect(second.headers.get("x-request-id")).not.toBe(first.headers.get("x-request-id"));

    const list = "/api/v1/videos?limit=3";
    expect((await anonymous(list)).headers.get("x-edge-cache")).toBe("miss");
    expect((await anonymous(list)).headers.get("x-edge-cache")).toBe("hit");
  });

  it("never caches for a caller with a token, nor unlisted, private or unready videos", async () => {
    const { owner, id } = await publicVideo("Mine");
    const withToken = await call("GET", `/api/v1/videos/${id}`, { ...cached, token: owner.accessToken });
    expect(withToken.headers.get("x-edge-cache")).toBe("bypass");
    expect(withToken.headers.get("cache-control")).toBeNull();

    const { video: unlisted } = await createVideo(owner.accessToken, { visibility: "unlisted" });
    await markReady(unlisted.id);
    for (let i = 0; i < 2; i++) {
      expect((await anonymous(`/api/v1/videos/${unlisted.id}`)).headers.get("x-edge-cache")).toBe("bypass");
    }
    const { video: pending } = await createVideo(owner.accessToken, { visibility: "private" });
    expect((await anonymous(`/api/v1/videos/${pending.id}`)).status).toBe(404);
    // Nor is the anonymous cache what a signed-in owner reads: they see their change at once.
    await anonymous(`/api/v1/videos/${id}`);
    await callJson("PATCH", `/api/v1/videos/${id}`, {
      ...cached,
      token: owner.accessToken,
      body: { title: "Renamed" },
    });
    const mine = await callJson<{ title: string }>("GET", `/api/v1/videos/${id}`, {
      ...cached,
      token: owner.accessToken,
    });
    expect(mine.body.title).toBe("Renamed");
  });

  it("shows a change to anonymous readers within the TTL", async () => {
    const { owner, id } = await publicVideo("Old title");
    const list = "/api/v1/videos?limit=1";
    expect(await (await anonymous(list)).text()).toContain("Old title");
    expect(await (await anonymous(`/api/v1/videos/${id}`)).text()).toContain("Old title");
    const patched = await call("PATCH", `/api/v1/videos/${id}`, {
      ...cached,
      token: owner.accessToken,
      body: { title: "New title" },
    });
    expect(patched.status).toBe(200);
    // The video's own entry is purged by the change; the list follows within the TTL.
    expect(await (await anonymous(`/api/v1/videos/${id}`)).text()).toContain("New title");
    const took = await until(list, (_, body) => body.includes("New title"), (TTL_S + 2) * 1000);
    expect(took).toBeLessThanOrEqual((TTL_S + 1) * 1000);
  });

  it("never serves a video made private, or deleted, beyond the TTL", async () => {
    const hidden = await publicVideo("Soon private");
    const gone = await publicVideo("Soon deleted");
    for (const { id } of [hidden, gone]) {
      await anonymous(`/api/v1/videos/${id}`);
      expect((await anonymous(`/api/v1/videos/${id}`)).headers.get("x-edge-cache")).toBe("hit");
    }
    const list = "/api/v1/videos?limit=2";
    expect(await (await anonymous(list)).text()).toContain("Soon deleted");

    await call("PATCH", `/api/v1/videos/${hidden.id}`, {
      ...cached,
      token: hidden.owner.accessToken,
      body: { visibility: "private" },
    });
    await call("DELETE", `/api/v1/videos/${gone.id}`, { ...cached, token: gone.owner.accessToken });
    for (const { id } of [hidden, gone]) {
      const took = await until(`/api/v1/videos/${id}`, (status) => status === 404, (TTL_S + 2) * 1000);
      expect(took).toBeLessThanOrEqual(TTL_S * 1000);
    }
    const took = await until(
      list,
      (_, body) => !body.includes("Soon private") && !body.includes("Soon deleted"),
      (TTL_S + 2) * 1000,
    );
    expect(took).toBeLessThanOrEqual((TTL_S + 1) * 1000);
  });
});

describe("lists with poster URLs when playback tokens are bound to the viewer's IP", () => {
  const bound: CallOptions = { bindings: { PUBLIC_CACHE_TTL_S: String(TTL_S), PLAYBACK_BIND_IP: "true" } };
  it("are never put in the shared cache (search, home page), but are without binding", async () => {
    const word = `bindtest${Date.now().toString(36)}`;
    await publicVideo(`Bound posters ${word}`);
    for (const path of [`/api/v1/search?q=${word}`, `/search?q=${word}`, "/?cursor="]) {
      for (let i = 0; i < 2; i++) {
        expect((await call("GET", path, bound)).headers.get("x-edge-cache"), path).toBe("bypass");
      }
    }
    const unbound = await anonymous(`/api/v1/search?q=${word}x`);
    expect(unbound.headers.get("x-edge-cache")).toMatch(/miss|hit/);
  });
});

describe("revocation: every cached variant goes at once, whatever its query", () => {
  // A TTL far longer than the test: only the purge can explain an entry going away.
  const long: CallOptions = { bindings: { PUBLIC_CACHE_TTL_S: "300" } };
  const read = (path: string) => call("GET", path, long);

  /** Every kind of public entry that shows the video, each with a query nobody reads. */
  const variants = (id: string, word: string) => [
    `/api/v1/videos/${id}?x=1`,
    `/api/v1/videos?limit=50&x=1`,
    `/api/v1/search?q=${word}&utm_source=mail`,
    `/?ref=feed`,
    `/search?q=${word}&x=2`,
  ];

  /** Deleting any video empties the colo's public cache: the reads below then show `title`. */
  async function emptyCache() {
    const { owner, id } = await publicVideo("Throwaway");
    expect((await call("DELETE", `/api/v1/videos/${id}`, { ...long, token: owner.accessToken })).status).toBe(
      204,
    );
  }

  /** A public video whose id is in a cached entry of every kind (the search page echoes the word). */
  async function cachedEverywhere(title: string) {
    await emptyCache();
    const word = `revoke${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const video = await publicVideo(`${title} ${word}`);
    for (const path of variants(video.id, word)) {
      const first = await read(path);
      expect(await first.text(), path).toContain(video.id);
      const again = await read(path);
      expect(again.headers.get("x-edge-cache"), path).toBe("hit");
      expect(await again.text(), path).toContain(video.id);
    }
    return { ...video, word };
  }

  it("keys entries on the parameters routes read: unknown ones share the entry, known ones split it", async () => {
    const { id } = await publicVideo("Normalised key");
    expect((await read(`/api/v1/videos/${id}`)).headers.get("x-edge-cache")).toBe("miss");
    for (const query of ["?x=1", "?utm_source=a&utm_medium=b", "?movio-cache-generation=0"]) {
      expect((await read(`/api/v1/videos/${id}${query}`)).headers.get("x-edge-cache"), query).toBe("hit");
    }
    const word = `order${Date.now().toString(36)}`;
    expect((await read(`/api/v1/search?q=${word}&limit=2`)).headers.get("x-edge-cache")).toBe("miss");
    expect((await read(`/api/v1/search?limit=2&x=9&q=${word}`)).headers.get("x-edge-cache")).toBe("hit");
    // A parameter the route reads is part of the key: no answer is served for another query.
    expect((await read(`/api/v1/search?q=${word}&limit=3`)).headers.get("x-edge-cache")).toBe("miss");
    expect((await read(`/api/v1/search?q=${word}x&limit=2`)).headers.get("x-edge-cache")).toBe("miss");
    // The first of a repeated parameter is the one the handler reads, and the one keyed.
    const firstWins = await read(`/api/v1/search?q=${word}&limit=2&q=other`);
    expect(firstWins.headers.get("x-edge-cache")).toBe("hit");
  });

  it("a video made private leaves no cached video, list, search or page variant behind", async () => {
    const { owner, id, word } = await cachedEverywhere("Going private");
    const patched = await call("PATCH", `/api/v1/videos/${id}`, {
      ...long,
      token: owner.accessToken,
      body: { visibility: "private" },
    });
    expect(patched.status).toBe(200);
    for (const path of variants(id, word)) {
      const res = await read(path);
      expect(res.headers.get("x-edge-cache"), path).not.toBe("hit");
      expect(await res.text(), path).not.toContain(id);
    }
    expect((await read(`/api/v1/videos/${id}`)).status).toBe(404);
  });

  it("a deleted video leaves no cached video, list, search or page variant behind", async () => {
    const { owner, id, word } = await cachedEverywhere("Going away");
    const deleted = await call("DELETE", `/api/v1/videos/${id}`, { ...long, token: owner.accessToken });
    expect(deleted.status).toBe(204);
    for (const path of variants(id, word)) {
      const res = await read(path);
      expect(res.headers.get("x-edge-cache"), path).not.toBe("hit");
      expect(await res.text(), path).not.toContain(id);
    }
  });

  it("a refused change (a stranger's PATCH or DELETE) purges nothing", async () => {
    const { id, word } = await cachedEverywhere("Not yours");
    const stranger = await signUp();
    const patch = await call("PATCH", `/api/v1/videos/${id}`, {
      ...long,
      token: stranger.accessToken,
      body: { visibility: "private" },
    });
    const remove = await call("DELETE", `/api/v1/videos/${id}`, { ...long, token: stranger.accessToken });
    expect(patch.status).toBeGreaterThanOrEqual(403);
    expect(remove.status).toBeGreaterThanOrEqual(403);
    for (const path of variants(id, word)) {
      expect((await read(path)).headers.get("x-edge-cache"), path).toBe("hit");
    }
  });

  it("refuses new playback of a video made private (to all but its owner) or deleted", async () => {
    const stranger = await signUp();
    const hidden = await publicVideo("Played, then private");
    const gone = await publicVideo("Played, then deleted");
    for (const { id } of [hidden, gone]) {
      await db(sql`update videos set storage_prefix = ${`media/${id}/1-abcdef12/`},
        media = ${JSON.stringify({ dash: "manifest.mpd", hls: "master.m3u8", poster: null, storyboard: null })}::jsonb
        where id = ${id}`);
      for (let i = 0; i < 2; i++) {
        const playback = await read(`/api/v1/videos/${id}/playback`);
        expect(playback.status).toBe(200);
        expect(playback.headers.get("cache-control")).toBeNull(); // signed URLs are never shared
      }
    }
    await call("PATCH", `/api/v1/videos/${hidden.id}`, {
      ...long,
      token: hidden.owner.accessToken,
      body: { visibility: "private" },
    });
    await call("DELETE", `/api/v1/videos/${gone.id}`, { ...long, token: gone.owner.accessToken });
    for (const { id } of [hidden, gone]) {
      expect((await read(`/api/v1/videos/${id}/playback`)).status).toBe(404);
      expect(
        (await call("GET", `/api/v1/videos/${id}/playback`, { ...long, token: stranger.accessToken })).status,
      ).toBe(404);
    }
    const owner = await call("GET", `/api/v1/videos/${hidden.id}/playback`, {
      ...long,
      token: hidden.owner.accessToken,
    });
    expect(owner.status).toBe(200);
    const deletedForOwner = await call("GET", `/api/v1/videos/${gone.id}/playback`, {
      ...long,
      token: gone.owner.accessToken,
    });
    expect(deletedForOwner.status).toBe(404);
  });
});
