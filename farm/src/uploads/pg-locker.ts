/**
 * A tus Locker shared by every farm node: Postgres advisory locks, all held on ONE session
 * connection per node (advisory locks are per session, so one connection holds any number),
 * which also LISTENs for hand-over requests. A tus request therefore holds no database
 * connection while it streams, and a node uses two connections for locking whatever its load.
 *
 * Within the node, a lock is first taken in memory (the session would grant the same advisory
 * lock twice to itself). A request that wants an upload held elsewhere asks the holder to let
 * go — in-process directly, across nodes with NOTIFY — and waits at most `waitMs`, then
 * answers 423 `locked` (tus clients retry).
 *
 * If the session dies (database restart, pg_terminate_backend), every advisory lock it held is
 * gone: the holders are told to stop at once, and the session is re-opened with backoff.
 * `/healthz` reports locking down meanwhile, and lock requests fail fast with 503.
 */
import type { Lock, Locker, RequestRelease } from "@tus/utils";
import pg from "pg";
import { ApiError } from "../../../shared/errors/api-error.ts";

const CHANNEL = "movio_tus_release";
const lockKey = (id: string) => `tus:${id}`;

export interface PgLockerOptions {
  connectionString: string;
  /** How long a request waits for a lock held elsewhere. */
  waitMs: number;
  retryMs?: number;
  log?: (line: string) => void;
  /** application_name of the session, so operators (and tests) can find it. */
  applicationName?: string;
}

interface Holder {
  release: RequestRelease;
  /** Set once the advisory lock is ours; a reservation without it is still being taken. */
  held: boolean;
}

export class PgLocker implements Locker {
  private readonly holders = new Map<string, Holder>();
  private session: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly log: (line: string) => void;

  constructor(private readonly options: PgLockerOptions) {
    this.log = options.log ?? (() => undefined);
  }

  newLock(id: string): Lock {
    return new PgLock(this, id);
  }

  /** Opens the session now, or keeps trying in the background (it is also opened on first use). */
  async start(): Promise<void> {
    await this.connection().catch(() => this.scheduleReconnect(250));
  }

  /** True while the lock session is connected. */
  get up(): boolean {
    return this.session !== undefined;
  }

  /** Takes the lock for `id` or throws 423 after waitMs (503 while the database is away). */
  async acquire(id: string, signal: AbortSignal, release: RequestRelease): Promise<Holder> {
    const deadline = Date.now() + this.options.waitMs;
    let askedRemote = false;
    for (;;) {
      const local = this.holders.get(id);
      if (!local) {
        const holder: Holder = { release, held: false };
        this.holders.set(id, holder);
        let ok = false;
        try {
          const session = await this.connection();
          const { rows } = await session.query<{ ok: boolean }>(
            "select pg_try_advisory_lock(hashtextextended($1, 727)) as ok",
            [lockKey(id)],
          );
          ok = rows[0]?.ok === true;
          if (!askedRemote && !ok) {
            await session.query("select pg_notify($1, $2)", [CHANNEL, id]);
            askedRemote = true;
          }
        } catch (err) {
          this.holders.delete(id);
          throw new ApiError("service_unavailable", "upload locking is unavailable; retry shortly", {
            cause: err,
          });
        }
        if (ok && this.holders.get(id) === holder) {
          holder.held = true;
          return holder;
        }
        if (this.holders.get(id) === holder) this.holders.delete(id);
      } else if (local.held) {
        await local.release(); // another request on this node: it stops and unlocks
      }
      if (signal.aborted || Date.now() >= deadline) {
        throw new ApiError("locked", "another request is writing this upload; retry shortly", {
          headers: { "retry-after": "1" },
        });
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.retryMs ?? 100));
    }
  }

  /** Lets go of `holder`'s lock; a holder whose lock already went with a lost session is a no-op. */
  async releaseLock(id: string, holder: Holder): Promise<void> {
    if (this.holders.get(id) !== holder || !holder.held) return;
    this.holders.delete(id);
    const session = this.session;
    // With the session gone the lock went with it; nothing to undo.
    await session
      ?.query("select pg_advisory_unlock(hashtextextended($1, 727))", [lockKey(id)])
      .catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const session = this.session ?? (await this.connecting?.catch(() => undefined));
    this.session = undefined;
    await session?.end().catch(() => undefined);
  }

  private connection(): Promise<pg.Client> {
    if (this.session) return Promise.resolve(this.session);
    if (this.closed) return Promise.reject(new Error("locker closed"));
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: this.options.applicationName ?? "movio-farm-locks",
      connectionTimeoutMillis: 5000,
    });
    client.on("error", () => undefined); // 'end' below handles the loss
    await client.connect();
    client.on("notification", (message) => {
      const holder = message.channel === CHANNEL ? this.holders.get(message.payload ?? "") : undefined;
      if (holder?.held) void holder.release();
    });
    client.on("end", () => this.lost(client));
    await client.query(`listen ${CHANNEL}`);
    this.session = client;
    return client;
  }

  /** The session ended: its locks are gone, so their holders must stop writing now. */
  private lost(client: pg.Client): void {
    if (this.session !== client) return;
    this.session = undefined;
    const holders = [...this.holders.values()].filter((h) => h.held);
    this.holders.clear();
    if (this.closed) return;
    this.log(`upload lock session lost; ${holders.length} upload(s) stopped, reconnecting`);
    for (const holder of holders) void holder.release();
    this.scheduleReconnect(250);
  }

  private scheduleReconnect(delayMs: number): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.connection().then(
        () => this.log("upload lock session re-established"),
        () => this.scheduleReconnect(Math.min(delayMs * 2, 10_000)),
      );
    }, delayMs);
    this.reconnectTimer.unref();
  }
}

class PgLock implements Lock {
  private holder: Holder | undefined;

  constructor(
    private readonly locker: PgLocker,
    private readonly id: string,
  ) {}

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    this.holder = await this.locker.acquire(this.id, signal, requestRelease);
  }

  async unlock(): Promise<void> {
    const holder = this.holder;
    this.holder = undefined;
    if (holder) await this.locker.releaseLock(this.id, holder);
  }
}
