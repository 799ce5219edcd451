/**
 * Test support: a TCP proxy in front of the farm's upload endpoint whose line can drop, the
 * way a laptop's Wi-Fi does: `drop(ms)` cuts every open connection (a tus PATCH mid-file
 * included) and refuses new ones for `ms`. The target port is set once the stack is up, so
 * the proxy's address can be the UPLOAD_ENDPOINT the stack starts with.
 */
import net from "node:net";

export interface UploadLine {
  port: number;
  /** The farm's port; connections before it is set are refused. */
  target: number | undefined;
  drops: number;
  drop(forMs: number): void;
  close(): Promise<void>;
}

export async function startUploadLine(): Promise<UploadLine> {
  const sockets = new Set<net.Socket>();
  let downUntil = 0;
  const server = net.createServer((client) => {
    if (line.target === undefined || Date.now() < downUntil) {
      client.destroy();
      return;
    }
    const upstream = net.connect(line.target, "127.0.0.1");
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on("close", () => {
        sockets.delete(a);
        b.destroy();
      });
      a.on("error", () => b.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const line: UploadLine = {
    port: (server.address() as net.AddressInfo).port,
    target: undefined,
    drops: 0,
    drop(forMs) {
      downUntil = Date.now() + forMs;
      line.drops++;
      for (const socket of sockets) socket.destroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return line;
}
