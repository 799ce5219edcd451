import { readFileSync } from "node:fs";
import net from "node:net";

export class PortInUseError extends Error {
  override name = "PortInUseError";
}

/** Resolves when `port` can be bound on 127.0.0.1. */
export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Fails with one message naming every busy port and the variable that moves it. */
export async function assertPortsFree(
  ports: { port: number; variable: string; what: string }[],
): Promise<void> {
  const busy: string[] = [];
  for (const entry of ports) {
    if (entry.port !== 0 && !(await isPortFree(entry.port))) {
      busy.push(
        `port ${entry.port} (${entry.what}) is already in use: stop what holds it or set ${entry.variable} to another port`,
      );
    }
  }
  if (busy.length > 0) throw new PortInUseError(busy.join("\n"));
}

/**
 * A port free right now, for tests and benches that run services beside others. Picked below
 * the kernel's ephemeral range: a port from inside it (what listen(0) hands out) can be taken
 * as the source port of any outgoing connection before the service binds it, and then its
 * bind fails. Never the same port twice in one process.
 */
export async function freePort(): Promise<number> {
  const ephemeralLow = ephemeralRangeStart();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port =
      ephemeralLow > BELOW_EPHEMERAL_FROM + 1000
        ? BELOW_EPHEMERAL_FROM + Math.floor(Math.random() * (ephemeralLow - BELOW_EPHEMERAL_FROM))
        : await kernelPickedPort(); // no room below the range (a tuned kernel): the kernel's pick
    if (handedOut.has(port)) continue;
    if (await isPortFree(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error("found no free port in 200 tries");
}

const BELOW_EPHEMERAL_FROM = 10_000;
const handedOut = new Set<number>();

/** Where the kernel's ephemeral ports begin (Linux); 32768, the common default, elsewhere. */
function ephemeralRangeStart(): number {
  try {
    const first = Number(
      readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0],
    );
    if (Number.isInteger(first) && first > 0) return first;
  } catch {
    // Not Linux.
  }
  return 32768;
}

function kernelPickedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Listens on host:port (0 = any free port) and resolves to the bound port; rejects on EADDRINUSE. */
export async function listenOn(server: net.Server, port: number, host = "127.0.0.1"): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return typeof address === "object" && address ? address.port : port;
}

/** Closes a server and every connection still open on it. */
export async function closeServer(server: net.Server & { closeAllConnections?: () => void }): Promise<void> {
  server.closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
