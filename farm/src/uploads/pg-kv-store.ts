import type { KvStore } from "@tus/utils";
import type pg from "pg";

/** @tus/s3-store's metadata cache in Postgres, so every farm node sees the same uploads. */
export class PgKvStore<T> implements KvStore<T> {
  constructor(private readonly pool: pg.Pool) {}

  async get(key: string): Promise<T | undefined> {
    const { rows } = await this.pool.query<{ value: T }>("select value from tus_uploads where key = $1", [
      key,
    ]);
    return rows[0]?.value;
  }

  async set(key: string, value: T): Promise<void> {
    await this.pool.query(
      `insert into tus_uploads (key, value) values ($1, $2)
       on conflict (key) do update set value = excluded.value, updated_at = now()`,
      [key, JSON.stringify(value)],
    );
  }

  async delete(key: string): Promise<void> {
    await this.pool.query("delete from tus_uploads where key = $1", [key]);
  }

  async list(): Promise<string[]> {
    const { rows } = await this.pool.query<{ key: string }>("select key from tus_uploads order by key");
    return rows.map((row) => row.key);
  }
}
