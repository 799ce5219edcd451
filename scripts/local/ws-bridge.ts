/**
 * A WebSocket→TCP bridge that speaks the protocol of Neon's wsproxy, so the
 * `@neondatabase/serverless` driver inside `wrangler dev` (workerd cannot open raw TCP to
 * Postgres the way Neon's endpoint expects) reaches a plain local Postgres. The driver is
 * pointed at it with `neonConfig.wsProxy = host:port/v1`, `useSecureWebSocket = false`
 * and `pipelineConnect = false`; it asks for `?address=host:port` on every connection.
 * Only loopback targets are allowed: this is a dev component, never exposed.
 */
import http from "node:http";
import net from "node:net";
import { WebSocketServer } from "ws";
import { listenOn } from "./ports.ts";

export interface WsBridge {
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

export async function startWsBridge(options: { host?: string; port: number }): Promise<WsBridge> {
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { "content-type": "text/plain" }).end("WebSocket only\n");
  });
  const wss = new WebSocketServer({ server });
  const sockets = new Set<net.Socket>();

  wss.on("connection", (ws, req) => {
    const url = new URL(req.url ?? "/", "http://bridge");
    const address = url.searchParams.get("address") ?? "";
    const match = /^(.*):(\d+)$/.exec(address);
    const host = match?.[1]?.replace(/^\[|\]$/g, "");
    if (!match || !host || !LOOPBACK.has(host)) {
      ws.close(1008, "address must be a loopback host:port");
      return;
    }
    const tcp = net.connect({ host, port: Number(match[2]) });
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

  const port = await listenOn(server, options.port, options.host);

  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
