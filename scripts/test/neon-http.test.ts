/**
 * The local `POST /sql` endpoint with the real `neon()` driver (and drizzle's neon-http on
 * top) against a real Postgres: what crosses it comes back as the driver would get it from
 * Neon — types, errors with their fields, batches that commit or roll back whole.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type NeonQueryFunction, neon, neonConfig } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalPostgres } from "../local/embedded-postgres.ts";
import { freePort } from "../local/ports.ts";
import { startWsBridge, type WsBridge } from "../local/ws-bridge.ts";

let dir: string;
let pg: Awaited<ReturnType<typeof startLocalPostgres>>;
let bridge: WsBridge;
let sql: NeonQueryFunction<false, false>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "movio-neon-http-"));
  pg = await startLocalPostgres({ dataDir: path.join(dir, "pg"), port: await freePort(), ephemeral: true });
  bridge = await startWsBridge({ port: 0, database: new URL(pg.url).host });
  neonConfig.fetchEndpoint = (host, port) => `http://127.0.0.1:${bridge.port}/sql?target=${host}:${port}`;
  sql = neon(pg.url);
  await sql`create table items (id int primary key, note text unique)`;
}, 60_000);

afterAll(async () => {
  await bridge?.close();
  await pg?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("POST /sql (Neon's HTTP query path, locally)", () => {
  it("returns every type as the driver parses it from Neon", async () => {
    const [row] = await sql`select
      '2026-11-25 21:24:22.123456+00'::timestamptz as at,
      9007199254740993::bigint as big,
      array[1, 2, 3]::int[] as ints,
      array['a', null, 'c"d']::text[] as texts,
      '{"a": [1, {"b": null}], "u": "é"}'::jsonb as doc,
      '\\x00ff10'::bytea as bytes,
      null::text as nothing,
      true as yes,
      ${"it's"}::text as param,
      ${Buffer.from([1, 2, 255])}::bytea as param_bytes`;
    expect(row).toEqual({
      at: new Date("2026-11-25T21:24:22.123Z"),
      big: "9007199254740993",
      ints: [1, 2, 3],
      texts: ["a", null, 'c"d'],
      doc: { a: [1, { b: null }], u: "é" },
      bytes: Buffer.from([0, 255, 16]),
      nothing: null,
      yes: true,
      param: "it's",
      param_bytes: Buffer.from([1, 2, 255]),
    });
    // Microseconds survive as text, for keyset cursors.
    const [text] = await sql`select '2026-11-25 21:24:22.123456+00'::timestamptz::text as t`;
    expect(text?.t).toBe("2026-11-25 21:24:22.123456+00");
  });

  it("reports Postgres errors with their code and fields", async () => {
    await sql`insert into items values (1, 'first')`;
    const error = await sql`insert into items values (2, 'first')`.catch((err: unknown) => err);
    expect(error).toMatchObject({
      code: "23505",
      constraint: "items_note_key",
      table: "items",
      detail: expect.stringContaining("first"),
    });
    await expect(sql`select * from no_such_table`).rejects.toMatchObject({ code: "42P01" });
  });

  it("commits a batch as one transaction, and rolls a failing one back whole", async () => {
    const [inserted, count] = await sql.transaction([
      sql`insert into items values (10, 'ten') returning id`,
      sql`select count(*)::int as n from items where id >= 10`,
    ]);
    expect(inserted).toEqual([{ id: 10 }]);
    expect(count).toEqual([{ n: 1 }]);
    await expect(
      sql.transaction([
        sql`insert into items values (11, 'eleven')`,
        sql`insert into items values (10, 'dup')`,
      ]),
    ).rejects.toMatchObject({ code: "23505" });
    expect(await sql`select id from items where id = 11`).toEqual([]);
  });

  it("honours the batch's isolation and read-only settings", async () => {
    const [level, readOnly] = await sql.transaction(
      [sql`show transaction_isolation`, sql`show transaction_read_only`],
      { isolationLevel: "Serializable", readOnly: true },
    );
    expect(level).toEqual([{ transaction_isolation: "serializable" }]);
    expect(readOnly).toEqual([{ transaction_read_only: "on" }]);
    await expect(
      sql.transaction([sql`insert into items values (12, 'x')`], { readOnly: true }),
    ).rejects.toMatchObject({ code: "25006" });
  });

  it("reports a connection killed mid-statement as a shutdown, and carries on with a fresh one", async () => {
    await expect(sql`select pg_terminate_backend(pg_backend_pid())`).rejects.toMatchObject({ code: "57P01" });
    for (let i = 0; i < 6; i++) expect(await sql`select 1 as one`).toEqual([{ one: 1 }]);
  });

  it("serves only its database, and no web page", async () => {
    const other = neon(pg.url.replace(/:(\d+)\//, ":1/"));
    await expect(other`select 1`).rejects.toThrow(/403|only the database/);
    const fromPage = await fetch(`http://127.0.0.1:${bridge.port}/sql`, {
      method: "POST",
      headers: { origin: "https://evil.example", "neon-connection-string": pg.url },
      body: JSON.stringify({ query: "select 1", params: [] }),
    });
    expect(fromPage.status).toBe(403);
  });
});
