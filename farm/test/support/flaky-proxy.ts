/**
 * A TCP proxy that drops client connections after a chosen number of uploaded bytes, the
 * way a phone on a train does. `cuts` lists, per connection, where to cut (undefined: pass).
 */
import net from "node:net";

export interface FlakyProxy {
  url: string;
  cutsMade: number;
  close(): Promise<void>;
}

export async function startFlakyProxy(target: string, cuts: (number | undefined)[]): Promise<FlakyProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  let connection = 0;
  const state = { cutsMade: 0 };
  const server = net.createServer((client) => {
    const cutAt = cuts[connection++];
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    let sent = 0;
    client.on("data", (chunk: Buffer) => {
      if (cutAt !== undefined && sent + chunk.length > cutAt) {
        upstream.write(chunk.subarray(0, Math.max(0, cutAt - sent)));
        state.cutsMade++;
        client.destroy();
        upstream.destroy();
        return;
      }
      sent += chunk.length;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => client.write(chunk));
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on("close", () => b.destroy());
      a.on("error", () => b.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    get cutsMade() {
      return state.cutsMade;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
