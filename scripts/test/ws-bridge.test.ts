/**
 * The database WebSocket bridge stays local: it relays bytes to the one database it was
 * started for, for workerd (no Origin header) and pages on this machine, and refuses web
 * pages from elsewhere and any other `?address=` before the handshake completes.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { listenOn } from "../local/ports.ts";
import { startWsBridge, type WsBridge } from "../local/ws-bridge.ts";

/** A TCP server standing in for Postgres: echoes bytes back and counts connections. */
async function tcpEcho() {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.pipe(socket);
  });
  const port = await listenOn(server, 0);
  return {
    port,
    connections: () => connections,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Echo = Awaited<ReturnType<typeof tcpEcho>>;
let database: Echo;
let other: Echo;
let bridge: WsBridge;

beforeAll(async () => {
  database = await tcpEcho();
  other = await tcpEcho();
  bridge = await startWsBridge({ port: 0, database: `127.0.0.1:${database.port}` });
});

afterAll(async () => {
  await bridge.close();
  await database.close();
  await other.close();
});

const url = (address: string) => `ws://127.0.0.1:${bridge.port}/v1?address=${address}`;

/** Opens a socket, sends "ping", resolves with what comes back. */
function roundTrip(address: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url(address), { headers });
    ws.on("open", () => ws.send(Buffer.from("ping")));
    ws.on("message", (data) => {
      resolve(Buffer.from(data as Buffer).toString());
      ws.close();
    });
    ws.on("unexpected-response", (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
    ws.on("error", reject);
  });
}

/** The HTTP status a refused handshake gets. */
function refusedWith(address: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url(address), { headers });
    ws.on("open", () => {
      ws.close();
      reject(new Error("the handshake was accepted"));
    });
    ws.on("unexpected-response", (req, res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    ws.on("error", () => undefined);
  });
}

describe("database WebSocket bridge", () => {
  it("relays to the configured database without an Origin (workerd's driver) or from a local page", async () => {
    expect(await roundTrip(`127.0.0.1:${database.port}`)).toBe("ping");
    expect(await roundTrip(`127.0.0.1:${database.port}`, { origin: "http://127.0.0.1:8787" })).toBe("ping");
    expect(await roundTrip(`127.0.0.1:${database.port}`, { origin: "http://localhost:3000" })).toBe("ping");
  });

  it("refuses web pages from other sites, rebound names and opaque origins", async () => {
    const before = database.connections();
    const address = `127.0.0.1:${database.port}`;
    expect(await refusedWith(address, { origin: "https://evil.example" })).toBe(403);
    // DNS rebinding: the page reached 127.0.0.1 under its own name, which its Origin still names.
    expect(await refusedWith(address, { origin: `http://rebind.evil.example:${bridge.port}` })).toBe(403);
    expect(await refusedWith(address, { origin: "null" })).toBe(403);
    expect(await refusedWith(address, { origin: "file://" })).toBe(403);
    expect(database.connections()).toBe(before);
  });

  it("forwards only to the configured database, never to another address", async () => {
    expect(await refusedWith(`127.0.0.1:${other.port}`)).toBe(403);
    expect(await refusedWith(`localhost:${database.port}`)).toBe(403);
    expect(await refusedWith(`10.0.0.1:${database.port}`)).toBe(403);
    expect(await refusedWith("")).toBe(403);
    expect(other.connections()).toBe(0);
  });

  it("answers plain HTTP with 426", async () => {
    const res = await fetch(`http://127.0.0.1:${bridge.port}/v1`);
    expect(res.status).toBe(426);
  });

  it("refuses to start without a database host:port", async () => {
    await expect(startWsBridge({ port: 0, database: "nope" })).rejects.toThrow(/host:port/);
  });
});
