/**
 * The local stand-in for Neon's endpoints: `POST /sql`, Neon's HTTP query path
 * (neon-http.ts, one round trip per query), and a WebSocket→TCP bridge that speaks the
 * protocol of Neon's wsproxy (for interactive transactions), so the
 * `@neondatabase/serverless` driver inside `wrangler dev` (workerd cannot open raw TCP to
 * Postgres the way Neon's endpoint expects) reaches a plain local Postgres. The driver is
 * pointed at it with `neonConfig.wsProxy = host:port/v1`, `useSecureWebSocket = false`
 * and `pipelineConnect = false`; it asks for `?address=host:port` on every connection.
 *
 * It stays a local dev component even though a browser can reach 127.0.0.1: it forwards
 * only to the one database it was started for (not a TCP relay to anything on this machine
 * or beyond), and refuses handshakes from web pages. workerd's WebSocket client sends no
 * Origin header at all (checked against wrangler 4.86); browsers always send one, so any
 * Origin that is not a page on this machine is refused — DNS rebinding included, since the
 * page's Origin then names the attacker's host.
 */
import http from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { hostnameOfHostHeader, isLoopbackHostname, isLoopbackOrigin } from "./loopback.ts";
import { createNeonHttpEndpoint } from "./neon-http.ts";
import { listenOn } from "./ports.ts";

export interface WsBridge {
  port: number;
  close(): Promise<void>;
}

export interface WsBridgeOptions {
  host?: string;
  port: number;
  /** `host:port` of the database, exactly as in DATABASE_URL (what the driver asks for). */
  database: string;
}

interface Target {
  host: string;
  port: number;
}

export async function startWsBridge(options: WsBridgeOptions): Promise<WsBridge> {
  const database = parseAddress(options.database);
  if (!database) throw new Error(`ws bridge: database must be host:port, got "${options.database}"`);
  const sqlOverHttp = createNeonHttpEndpoint(options.database);
  const server = http.createServer((req, res) => {
    if ((req.url ?? "").split("?")[0] !== "/sql") {
      res.writeHead(426, { "content-type": "text/plain" }).end("WebSocket, or POST /sql\n");
      return;
    }
    const refusal = httpRefusalOf(req);
    if (refusal) {
      res.writeHead(403, { "content-type": "text/plain" }).end(`${refusal}\n`);
      return;
    }
    sqlOverHttp.handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`bridge error: ${err.message}\n`);
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<net.Socket>();

  // Refused before the handshake completes, so a page never gets an open socket.
  server.on("upgrade", (req, socket, head) => {
    const refusal = refusalOf(req, database);
    if (refusal) return refuse(socket, refusal);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const tcp = net.connect(database);
      sockets.add(tcp);
      tcp.on("data", (chunk) => ws.send(chunk));
      tcp.on("close", () => {
        sockets.delete(tcp);
        ws.close();
      });
      tcp.on("error", () => ws.close(1011, "database connection failed"));
      ws.on("message", (data) => {
        const chunks = Array.isArray(data) ? data : [data];
        for (const chunk of chunks) tcp.write(Buffer.from(chunk as ArrayBuffer));
      });
      ws.on("close", () => tcp.destroy());
      ws.on("error", () => tcp.destroy());
    });
  });

  const port = await listenOn(server, options.port, options.host);

  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sqlOverHttp.close();
    },
  };
}

/** Why a `POST /sql` is refused: a web page (Origin) or a rebound name (Host) is not the edge. */
function httpRefusalOf(req: http.IncomingMessage): string | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined && !isLoopbackOrigin(origin))
    return `origin ${origin} may not use the database bridge`;
  if (!isLoopbackHostname(hostnameOfHostHeader(req.headers.host ?? "")))
    return "the bridge answers only on loopback";
  return undefined;
}

/** Why a handshake is refused, or undefined to accept it. */
function refusalOf(req: http.IncomingMessage, database: Target): string | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined && !isLoopbackOrigin(origin)) {
    return `origin ${origin} may not use the database bridge`;
  }
  const address = new URL(req.url ?? "/", "http://bridge").searchParams.get("address") ?? "";
  const asked = parseAddress(address);
  if (!asked || asked.host !== database.host || asked.port !== database.port) {
    return `address must be the configured database ${database.host}:${database.port}`;
  }
  return undefined;
}

function refuse(socket: Duplex, message: string): void {
  socket.on("error", () => undefined); // the client may hang up first
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** `host:port` or `[v6]:port`; the host lower-cased and unbracketed so equal addresses compare equal. */
function parseAddress(address: string): Target | undefined {
  const match = /^(.+):(\d{1,5})$/.exec(address.trim());
  const host = match?.[1]?.replace(/^\[|\]$/g, "").toLowerCase();
  const port = Number(match?.[2]);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host, port };
}
