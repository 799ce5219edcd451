/**
 * Free ports for services started beside others: outside the kernel's ephemeral range (where
 * any outgoing connection may take one as its source port before the service binds it),
 * never the same one twice in a process, and bindable.
 */
import { readFileSync } from "node:fs";
import net from "node:net";
import { expect, it } from "vitest";
import { freePort, listenOn } from "../local/ports.ts";

it("hands out distinct, bindable ports below the ephemeral range", async () => {
  const ephemeralLow = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").split(/\s+/)[0]);
  const ports: number[] = [];
  for (let i = 0; i < 30; i++) ports.push(await freePort());
  expect(new Set(ports).size).toBe(ports.length);
  for (const port of ports) {
    expect(port).toBeGreaterThanOrEqual(1024);
    expect(port).toBeLessThan(ephemeralLow);
  }
  const servers = ports.map(() => net.createServer());
  try {
    // All at once, as a stack binds them.
    await Promise.all(servers.map((server, i) => listenOn(server, ports[i] as number)));
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
});
