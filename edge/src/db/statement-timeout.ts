/**
 * Every statement the edge sends runs under Postgres' `statement_timeout`
 * (DB_STATEMENT_TIMEOUT_MS), so no request — a search of common words, a query an attacker
 * found slow — can hold a database connection longer than that. Postgres cancels the
 * statement itself (SQLSTATE 57014), the edge answers 503 `service_unavailable`
 * (db-errors.ts), and the connection is free at once: a timer in the Worker could only stop
 * waiting while the query ran on.
 *
 * Neon's HTTP query path has no session to `SET` on, and not every proxy passes startup
 * options from the connection string on; so each query goes as a one-round-trip transaction
 * whose first statement sets the timeout for that transaction only (`set_config(…, true)`,
 * i.e. `SET LOCAL`). Batches (`db.batch`) get the same first statement. Nothing else changes:
 * a single statement commits alone, as before.
 */
import {
  type FullQueryResults,
  type HTTPQueryOptions,
  type HTTPTransactionOptions,
  type NeonQueryFunction,
  NeonQueryPromise,
} from "@neondatabase/serverless";

type Client = NeonQueryFunction<false, false>;

export function withStatementTimeout(neonClient: Client, timeoutMs: number): Client {
  // Per-query options (array mode, full results) vary by call: typed loosely inside.
  const client = neonClient as unknown as NeonQueryFunction<boolean, boolean>;
  const setTimeout = () =>
    client.query("select set_config('statement_timeout', $1, true)", [`${timeoutMs}ms`]);

  const query = (text: string, params?: unknown[], opts?: HTTPQueryOptions<boolean, boolean>) =>
    // A NeonQueryPromise like the driver's own: lazy (runs when awaited), and still usable in
    // a batch, where only its query and options are read.
    new NeonQueryPromise<boolean, boolean>(
      async () => {
        const [, result] = await client.transaction([setTimeout(), client.query(text, params, opts)]);
        return result;
      },
      { query: text, params: params ?? [] },
      opts,
    );

  const transaction = async (
    queries: NeonQueryPromise<boolean, boolean>[],
    opts?: HTTPTransactionOptions<boolean, boolean>,
  ) => {
    if (!Array.isArray(queries)) throw new Error("transaction() takes an array of queries here");
    const results = (await client.transaction(
      [setTimeout(), ...queries],
      opts,
    )) as FullQueryResults<boolean>[];
    return results.slice(1);
  };

  const template = () => {
    throw new Error("use query(): tagged templates would skip the statement timeout");
  };
  return Object.assign(template, { query, transaction, unsafe: client.unsafe }) as unknown as Client;
}
