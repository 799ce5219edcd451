import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { checkToken } from "../../shared/playback/gcore-token.ts";
import { readEdgeConfig } from "../src/config.ts";
import { databaseFor } from "../src/db/request-db.ts";
import { SearchService } from "../src/services/search/postgres/search-service.ts";
import { callJson, createVideo, db, type ErrorJson, markReady, signUp } from "./helpers.ts";
import { ids, q, type SearchJson, uniqueWord, video } from "./search-helpers.ts";
import { insertTrack } from "./subtitle-helpers.ts";

describe("GET /api/v1/search", () => {
  it("finds a title word, with a result card and a marked title snippet", async () => {
    const tag = uniqueWord();
    const id = await video({ title: `The old lighthouse ${tag}` });
    const res = await q(`lighthouse ${tag}`);
    expect(res.status).toBe(200);
    expect(ids(res)).toEqual([id]);
    const hit = res.body.hits[0]!;
    expect(hit.video).toMatchObject({
      title: `The old lighthouse ${tag}`,
      ownerDisplayName: "Ada Search",
      posterUrl: null,
    });
    expect(hit.matches[0]).toEqual({
      field: "title",
      snippet: `The old <mark>lighthouse</mark> <mark>${tag}</mark>`,
    });
    expect(typeof res.body.tookMs).toBe("number");
  });

  it("signs the poster URL for the video's directory, like playback URLs", async () => {
    const tag = uniqueWord();
    const id = await video({ title: `Poster ${tag}` }, false);
    const dir = `media/${id}/1-abcdef12/`;
    await db(sql`update videos set storage_prefix = ${dir},
      media = ${JSON.stringify({ dash: "manifest.mpd", hls: "master.m3u8", poster: "poster.jpg" })}::jsonb
      where id = ${id}`);
    await markReady(id);
    const res = await q(tag);
    const posterUrl = res.body.hits[0]!.video.posterUrl!;
    expect(posterUrl.startsWith(`https://cdn.example.test/${dir}poster.jpg?md5=`)).toBe(true);
    const url = new URL(posterUrl);
    const token = (path: string) =>
      checkToken(
        { path, md5: url.searchParams.get("md5"), expires: url.searchParams.get("expires") },
        env.CDN_TOKEN_SECRET,
      );
    expect(token(url.pathname)).toBe("ok");
    expect(token(`/${dir}manifest.mpd`)).toBe("ok"); // the directory's token
    expect(token(`/media/${crypto.randomUUID()}/1-abcdef12/poster.jpg`)).toBe("invalid");
    // The same URL for an hour (expiry rounded up), so the cached answer and browsers agree.
    expect(Number(url.searchParams.get("expires")) % 3600).toBe(0);

    // With PLAYBACK_BIND_IP the service binds posters to the address it is given.
    const config = { ...readEdgeConfig(env), PLAYBACK_BIND_IP: true };
    const bound = await new SearchService(databaseFor(config), config).search({
      q: tag,
      limit: 5,
      clientIp: "203.0.113.7",
    });
    const boundUrl = new URL(bound.hits[0]!.video.posterUrl!);
    const check = (ip?: string) =>
      checkToken(
        {
          path: boundUrl.pathname,
          md5: boundUrl.searchParams.get("md5"),
          expires: boundUrl.searchParams.get("expires"),
          ip,
        },
        env.CDN_TOKEN_SECRET,
      );
    expect(check("203.0.113.7")).toBe("ok");
    expect(check()).toBe("invalid");
  });

  it("escapes snippets: only <mark> is HTML", async () => {
    const tag = uniqueWord();
    await video({
      title: `<script>alert(1)</script> harbour ${tag}`,
      description: `a "quoted" & <b>bold</b> harbour ${tag}`,
    });
    const res = await q(`harbour ${tag}`);
    const [title, description] = res.body.hits[0]!.matches;
    expect(title!.snippet).toBe(
      `&lt;script&gt;alert(1)&lt;/script&gt; <mark>harbour</mark> <mark>${tag}</mark>`,
    );
    expect(description!.field).toBe("description");
    // a fragment may start at any word, but never inside an entity, and only <mark> is markup
    expect(description!.snippet).toContain(
      `&amp; &lt;b&gt;bold&lt;/b&gt; <mark>harbour</mark> <mark>${tag}</mark>`,
    );
    expect(description!.snippet.replace(/<\/?mark>/g, "")).not.toMatch(/[<>"]/);
  });

  it("finds subtitle words with the cue's times and track language, at most 3, best first", async () => {
    const tag = uniqueWord();
    const id = await video({ title: "Documentary" });
    await insertTrack(id, { lang: "en", origin: "uploaded" }, [
      { startMs: 1000, endMs: 2000, text: `We walked to the <i>lighthouse</i> ${tag}` },
      { startMs: 5000, endMs: 6000, text: `lighthouse lighthouse keepers ${tag}` },
      { startMs: 9000, endMs: 9500, text: `nothing here ${tag}` },
      { startMs: 12000, endMs: 13000, text: `another lighthouse ${tag}` },
      { startMs: 15000, endMs: 16000, text: `a last lighthouse ${tag}` },
    ]);
    const res = await q(`${tag} lighthouse`);
    const subs = res.body.hits[0]!.matches.filter((m) => m.field === "subtitle");
    expect(subs).toHaveLength(3);
    expect(subs[0]).toEqual({
      field: "subtitle",
      snippet: `<mark>lighthouse</mark> <mark>lighthouse</mark> keepers <mark>${tag}</mark>`,
      startMs: 5000,
      endMs: 6000,
      lang: "en",
    });
    expect(subs.map((m) => m.lang)).toEqual(["en", "en", "en"]);
    expect(res.body.hits[0]!.matches).toHaveLength(3); // the title does not match
  });

  it("shows a cue's text as on screen: tags gone, its character references decoded, then escaped once", async () => {
    const tag = uniqueWord();
    const id = await video({ title: "Kitchen" });
    // Stored as WebVTT cue text: &amp; &lt; &gt; are how "&", "<", ">" are written.
    await insertTrack(id, { lang: "en", origin: "uploaded" }, [
      { startMs: 0, endMs: 1000, text: `Salt &amp; <b>pepper</b> &lt;3 &amp;lt; ${tag}` },
    ]);
    const res = await q(`${tag} pepper`);
    const cue = res.body.hits[0]!.matches.find((m) => m.field === "subtitle")!;
    expect(cue.snippet).toBe(`Salt &amp; <mark>pepper</mark> &lt;3 &amp;lt; <mark>${tag}</mark>`);
  });

  it("narrows subtitle matches to ?lang=", async () => {
    const tag = uniqueWord();
    const id = await video({ title: `Bilingual ${tag}` });
    await insertTrack(id, { lang: "fr", origin: "uploaded" }, [
      { startMs: 0, endMs: 1000, text: `phare ${tag}` },
    ]);
    await insertTrack(id, { lang: "de", origin: "uploaded" }, [
      { startMs: 0, endMs: 1000, text: `Leuchtturm ${tag}` },
    ]);
    const all = await q(`${tag} phare`);
    expect(all.body.hits[0]!.matches.find((m) => m.field === "subtitle")!.lang).toBe("fr");
    const de = await q(`${tag} phare`, "&lang=de");
    expect(de.body.hits).toEqual([]);
  });

  it("stems in the video's language and ignores accents", async () => {
    const tag = uniqueWord();
    const en = await video({ title: `Running dogs ${tag}`, language: "en" });
    const fr = await video({ title: `Le café des chanteurs ${tag}`, language: "fr" });
    expect(ids(await q(`runs ${tag} `))).toEqual([en]);
    expect(ids(await q(`${tag} cafe`))).toEqual([fr]);
    expect(ids(await q(`${tag} chanteur`))).toEqual([fr]);
    const res = await q(`${tag} cafe`);
    expect(res.body.hits[0]!.matches[0]!.snippet).toContain("<mark>café</mark>");
  });

  it("re-stems a track's cues when its language changes", async () => {
    const tag = uniqueWord();
    const id = await video({ title: "Untagged" });
    const track = await insertTrack(id, { lang: null, origin: "uploaded" }, [
      { startMs: 0, endMs: 1, text: `the dogs ${tag}` },
    ]);
    expect(ids(await q(`${tag} dog `))).toEqual([]); // language-neutral: no stemming
    await db(sql`update subtitle_tracks set language = 'en' where id = ${track}`);
    const res = await q(`${tag} dog `);
    expect(ids(res)).toEqual([id]);
    expect(res.body.hits[0]!.matches[0]).toMatchObject({ field: "subtitle", lang: "en" });
  });

  it("tolerates typos in words of 5+ letters, not in shorter ones", async () => {
    const tag = uniqueWord();
    const id = await video({ title: `Keeper of the lighthouse ${tag}` });
    await insertTrack(id, { lang: null, origin: "uploaded" }, [{ startMs: 0, endMs: 1, text: "a cat sat" }]);
    expect(ids(await q(`${tag} lighthuose `))).toEqual([id]);
    expect(ids(await q(`${tag} cta `))).toEqual([]);
  });

  it("matches the last word as a prefix, words in any order, phrases and exclusions", async () => {
    const tag = uniqueWord();
    const a = await video({ title: `${tag} storm over the harbour` });
    const b = await video({ title: `${tag} harbour over the storm` });
    expect(ids(await q(`${tag} harb`)).sort()).toEqual([a, b].sort());
    expect(ids(await q(`${tag} harb `))).toEqual([]); // a space ends the word: no prefix
    expect(ids(await q(`harbour storm ${tag}`)).sort()).toEqual([a, b].sort());
    expect(ids(await q(`${tag} "storm over"`))).toEqual([a]);
    expect(ids(await q(`${tag} harbour -"storm over"`))).toEqual([b]);
    expect(ids(await q(`${tag} -storm`))).toEqual([]);
  });

  it("never shows private, unlisted, unready or deleted videos, and follows changes at once", async () => {
    const tag = uniqueWord();
    const shown = await video({ title: `Visible ${tag}` });
    await video({ title: `Private ${tag}`, visibility: "private" });
    await video({ title: `Unlisted ${tag}`, visibility: "unlisted" });
    await video({ title: `Processing ${tag}` }, false);
    const gone = await video({ title: `Deleted ${tag}` });
    await db(sql`update videos set deleted_at = now() where id = ${gone}`);
    const hidden = await video({ title: `Hidden later ${tag}` });
    const sub = await video({ title: `Other ${uniqueWord()}` });
    const track = await insertTrack(sub, { lang: "en", origin: "uploaded" }, [
      { startMs: 0, endMs: 1, text: tag },
    ]);
    expect(ids(await q(tag)).sort()).toEqual([shown, hidden, sub].sort());

    await db(sql`update videos set visibility = 'private' where id = ${hidden}`);
    await db(sql`delete from subtitle_tracks where id = ${track}`);
    await db(sql`update videos set title = ${"Renamed"} where id = ${shown}`);
    expect(ids(await q(tag))).toEqual([]);
  });

  it("ranks title over description over subtitles, several fields first, newer on ties", async () => {
    const tag = uniqueWord();
    const subOnly = await video({ title: "s" });
    await insertTrack(subOnly, { lang: "en", origin: "uploaded" }, [{ startMs: 0, endMs: 1, text: tag }]);
    const descOnly = await video({ title: "d", description: tag });
    const titleOld = await video({ title: tag });
    const titleNew = await video({ title: tag });
    const titleAndDesc = await video({ title: tag, description: tag });
    await db(sql`update videos set created_at = now() - interval '1 day' where id = ${titleOld}`);
    expect(ids(await q(tag))).toEqual([titleAndDesc, titleNew, titleOld, descOnly, subOnly]);
  });

  it("pages with a cursor that neither repeats nor skips", async () => {
    const tag = uniqueWord();
    const all: string[] = [];
    for (let i = 0; i < 5; i++)
      all.push(await video({ title: `${tag} part ${i}`, description: i % 2 ? tag : "" }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: SearchJson } = await q(tag, `&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.body.hits.length).toBeLessThanOrEqual(2);
      seen.push(...ids(page));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen)).toEqual(new Set(all));
  });

  it("rejects empty, too long and malformed requests with 400s", async () => {
    for (const query of ["", "q=", "q=%20%20", "q=---", `q=-${uniqueWord()}`, `q=${"a".repeat(201)}`]) {
      const res = await callJson<ErrorJson>("GET", `/api/v1/search?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe("query_invalid");
    }
    for (const cursor of [
      "nope",
      btoa("[1,2,3]"),
      btoa(JSON.stringify([1, "2026-02-30 00:00:00+00", crypto.randomUUID()])),
    ]) {
      const res = await callJson<ErrorJson>(
        "GET",
        `/api/v1/search?q=film&cursor=${encodeURIComponent(cursor)}`,
      );
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_cursor");
    }
    const odd = await q(`'\\:*&|!<->()`);
    expect(odd.status).toBe(400);
    const syntax = await q(`a:* & !b | 'c' <-> (d)`);
    expect(syntax.status).toBe(200);
  });
});

describe("GET /api/v1/me/videos?q=", () => {
  it("finds the owner's own videos in every status and visibility, subtitles included", async () => {
    const tag = uniqueWord();
    const me = await signUp();
    const other = await signUp();
    const mine = async (body: Record<string, unknown>) => (await createVideo(me.accessToken, body)).video.id;
    const priv = await mine({ title: `Private lighthouse ${tag}`, visibility: "private" });
    const draft = await mine({ title: "Draft" }); // awaiting upload, found by its subtitles
    await insertTrack(draft, { lang: "en", origin: "uploaded", status: "pending" }, [
      { startMs: 0, endMs: 1, text: `lighthouses ${tag}` },
    ]);
    await mine({ title: `Unrelated ${tag}` });
    await createVideo(other.accessToken, { title: `Someone else's lighthouse ${tag}` });
    const res = await callJson<{ items: { id: string }[]; nextCursor: string | null }>(
      "GET",
      `/api/v1/me/videos?q=${encodeURIComponent(`${tag} lighthouse`)}`,
      { token: me.accessToken },
    );
    expect(res.status).toBe(200);
    expect(res.body.items.map((v) => v.id)).toEqual([draft, priv]); // newest first
    const empty = await callJson<ErrorJson>("GET", "/api/v1/me/videos?q=%20", { token: me.accessToken });
    expect(empty.body.error.code).toBe("query_invalid");
    const all = await callJson<{ items: unknown[] }>("GET", "/api/v1/me/videos", { token: me.accessToken });
    expect(all.body.items).toHaveLength(3);
  });
});
