/**
 * Neon's HTTP query endpoint (`POST /sql`), served locally in front of a plain Postgres, so the
 * edge's `neon()` driver (one HTTP round trip per query, no connection set-up) runs the same
 * code locally as against Neon. What crosses it is what Neon's proxy speaks:
 *
 * - headers `Neon-Connection-String` (must name the one database this bridge serves),
 *   `Neon-Raw-Text-Output: true` and `Neon-Array-Mode: true` (rows as arrays of Postgres' own
 *   text, parsed by the driver with the type ids in `fields`);
 * - a body `{query, params}` for one statement, or `{queries: [...]}` for a batch that commits
 *   or rolls back as one transaction, with `Neon-Batch-Isolation-Level`, `Neon-Batch-Read-Only`
 *   and `Neon-Batch-Deferrable`;
 * - results `{command, rowCount, fields, rows}` (a batch: `{results: [...]}`), errors as 400
 *   with Postgres' fields (`code`, `detail`, `constraint`, …) so the driver rebuilds them.
 *
 * Backed by a small pool of real connections per connection string.
 */
import type http from "node:http";
import pg from "pg";

interface SqlQuery {
  query: string;
  params?: unknown[];
}

/** Every value as Postgres' text: the driver parses it, exactly as with Neon. */
const rawText = { getTypeParser: () => (value: string) => value };

const ISOLATION: Record<string, string> = {
  ReadUncommitted: "read uncommitted",
  ReadCommitted: "read committed",
  RepeatableRead: "repeatable read",
  Serializable: "serializable",
};

/** Postgres error fields the driver copies onto its error (its list `hi`). */
const ERROR_FIELDS = [
  "severity",
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "where",
  "schema",
  "table",
  "column",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
] as const;

const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface NeonHttpEndpoint {
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
  close(): Promise<void>;
}

/** `database` is the `host:port` this endpoint may reach (what DATABASE_URL names). */
export function createNeonHttpEndpoint(database: string): NeonHttpEndpoint {
  const pools = new Map<string, pg.Pool>();
  const poolFor = (connectionString: string) => {
    let pool = pools.get(connectionString);
    if (!pool) {
      pool = new pg.Pool({
        connectionString,
        max: 4,
        idleTimeoutMillis: 30_000,
        application_name: "movio-edge-http",
      });
      pool.on("error", () => undefined); // an idle connection dying is not the request's problem
      pools.set(connectionString, pool);
    }
    return pool;
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.method !== "POST") return send(res, 405, { message: "POST only" });
    const connectionString = req.headers["neon-connection-string"];
    if (typeof connectionString !== "string" || !targets(connectionString, database)) {
      return send(res, 403, { message: `this bridge serves only the database at ${database}` });
    }
    let body: SqlQuery | { queries: SqlQuery[] };
    try {
      body = JSON.parse(await readBody(req)) as typeof body;
    } catch (err) {
      return send(res, 400, { message: `invalid request body: ${(err as Error).message}` });
    }
    const client = await poolFor(connectionString)
      .connect()
      .catch((err: Error) => err);
    if (client instanceof Error)
      return send(res, 503, { message: `database unavailable: ${client.message}` });
    let broken = false;
    try {
      if ("queries" in body) {
        await client.query(beginStatement(req.headers));
        try {
          const results = [];
          for (const query of body.queries) results.push(await run(client, query));
          await client.query("commit");
          send(res, 200, { results });
        } catch (err) {
          await client.query("rollback").catch(() => {
            broken = true;
          });
          throw err;
        }
      } else {
        send(res, 200, await run(client, body));
      }
    } catch (err) {
      const error = err as Error & Record<string, unknown>;
      if (typeof error.code !== "string") {
        // Not a Postgres error: the connection broke (a restart, a dropped line). Neon's proxy
        // answers those with a 5xx too; the statement may not have run.
        broken = true;
        send(res, 503, { message: `database connection failed: ${error.message}` });
        return;
      }
      // A Postgres error that ends the session (terminated by an admin, a shutdown, a
      // connection exception): report it as Postgres did, but never pool that connection again.
      if (/^(57P0[1-3]|08)/.test(error.code)) broken = true;
      send(res, 400, {
        message: error.message,
        ...Object.fromEntries(ERROR_FIELDS.map((f) => [f, error[f]])),
      });
    } finally {
      client.release(broken);
    }
  };

  return {
    handle,
    close: async () => {
      await Promise.all([...pools.values()].map((pool) => pool.end().catch(() => undefined)));
      pools.clear();
    },
  };
}

async function run(client: pg.PoolClient, { query, params = [] }: SqlQuery) {
  const result = await client.query({ text: query, values: params, rowMode: "array", types: rawText });
  return {
    command: result.command,
    rowCount: result.rowCount,
    fields: result.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
    rows: result.rows,
    rowAsArray: true,
  };
}

function beginStatement(headers: http.IncomingHttpHeaders): string {
  const parts = ["begin"];
  const isolation = ISOLATION[String(headers["neon-batch-isolation-level"] ?? "")];
  if (isolation) parts.push(`isolation level ${isolation}`);
  if (headers["neon-batch-read-only"] === "true") parts.push("read only");
  if (headers["neon-batch-deferrable"] === "true") parts.push("deferrable");
  return parts.join(" ");
}

/** Whether a connection string points at `host:port` (and nowhere else). */
function targets(connectionString: string, database: string): boolean {
  try {
    const url = new URL(connectionString);
    return /^postgres(ql)?:$/.test(url.protocol) && `${url.hostname}:${url.port || "5432"}` === database;
  } catch {
    return false;
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
  res.end(payload);
}
