/**
 * A tus Locker shared by every farm node: Postgres advisory locks held on a dedicated
 * connection per upload (a crashed node's connection drops and its locks go with it).
 * A node that wants a lock held elsewhere asks the holder to let go with NOTIFY: that is
 * how a resumed upload takes over from a half-dead PATCH on another node quickly.
 */
import type { Lock, Locker, RequestRelease } from "@tus/utils";
import { ERRORS } from "@tus/utils";
import pg from "pg";

const CHANNEL = "movio_tus_release";

export class PgLocker implements Locker {
  private readonly holders = new Map<string, RequestRelease>();
  private listener: pg.Client | undefined;
  private listening: Promise<void> | undefined;

  constructor(
    readonly pool: pg.Pool,
    private readonly connectionString: string,
    readonly retryMs = 100,
  ) {}

  newLock(id: string): Lock {
    return new PgLock(this, id);
  }

  /** Starts listening for release requests (once). */
  listen(): Promise<void> {
    this.listening ??= (async () => {
      const client = new pg.Client({ connectionString: this.connectionString });
      client.on("error", () => undefined);
      await client.connect();
      client.on("notification", (message) => {
        if (message.channel === CHANNEL && message.payload) void this.holders.get(message.payload)?.();
      });
      await client.query(`listen ${CHANNEL}`);
      this.listener = client;
    })();
    return this.listening;
  }

  held(id: string, release: RequestRelease): void {
    this.holders.set(id, release);
  }

  released(id: string): void {
    this.holders.delete(id);
  }

  async close(): Promise<void> {
    await this.listener?.end().catch(() => undefined);
  }
}

class PgLock implements Lock {
  private client: pg.PoolClient | undefined;

  constructor(
    private readonly locker: PgLocker,
    private readonly id: string,
  ) {}

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    await this.locker.listen();
    const client = await this.locker.pool.connect();
    try {
      let asked = false;
      while (!signal.aborted) {
        const { rows } = await client.query<{ ok: boolean }>(
          "select pg_try_advisory_lock(hashtextextended($1, 727)) as ok",
          [`tus:${this.id}`],
        );
        if (rows[0]?.ok) {
          this.client = client;
          this.locker.held(this.id, requestRelease);
          return;
        }
        if (!asked) {
          await client.query("select pg_notify($1, $2)", [CHANNEL, this.id]);
          asked = true;
        }
        await new Promise((resolve) => setTimeout(resolve, this.locker.retryMs));
      }
      throw ERRORS.ERR_LOCK_TIMEOUT;
    } catch (err) {
      if (!this.client) client.release();
      throw err;
    }
  }

  async unlock(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    this.locker.released(this.id);
    try {
      await client.query("select pg_advisory_unlock(hashtextextended($1, 727))", [`tus:${this.id}`]);
      client.release();
    } catch (err) {
      client.release(err as Error); // a broken connection is discarded, which frees the lock too
    }
  }
}
