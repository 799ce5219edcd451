import type pg from "pg";

/**
 * Runs `work` in one transaction on one pooled connection: committed when it returns, rolled
 * back when it throws — or when it returns `false`, the way a fenced write says "not ours".
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    const result = await work(client);
    await client.query(result === false ? "rollback" : "commit");
    return result;
  } catch (err) {
    await client.query("rollback").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
