/**
 * The production load balancer's config (farm/nginx.conf), run by a real nginx in front of a
 * real farm node: a large single-PATCH upload passes (no body cap), bytes reach the farm while
 * they stream (no request buffering), and the Location tus hands back keeps the port.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import * as tus from "tus-js-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/local/ports.ts";
import { closeDb, newVideo, sha256, startNode, storedObjectHash, videoRow } from "./support/farm-env.ts";

const MiB = 1024 * 1024;
let nginx: ChildProcess;
let lbUrl = "";
let closeNode: () => Promise<void>;

beforeAll(async () => {
  const farm = await startNode();
  closeNode = () => farm.node.close();
  const port = await freePort();
  lbUrl = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), "movio-nginx-"));
  const site = readFileSync(path.resolve(import.meta.dirname, "../nginx.conf"), "utf8")
    .replace("server farm:1080;", `server ${new URL(farm.url).host};`)
    .replace("listen 1080;", `listen 127.0.0.1:${port};`);
  expect(site).toContain(`listen 127.0.0.1:${port};`);
  writeFileSync(path.join(dir, "farm.conf"), site);
  writeFileSync(
    path.join(dir, "nginx.conf"),
    `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  include ${dir}/farm.conf;
}
`,
  );
  const binary = existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx"; // .ci/run installs it
  nginx = spawn(binary, ["-p", dir, "-c", path.join(dir, "nginx.conf")], { stdio: "inherit" });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await fetch(`${lbUrl}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error("nginx did not come up");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

afterAll(async () => {
  nginx?.kill("SIGTERM");
  await closeNode?.();
  await closeDb();
});

describe("farm behind nginx (farm/nginx.conf)", () => {
  it("keeps the nodes' /metrics off the public balancer", async () => {
    expect((await fetch(`${lbUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${lbUrl}/metrics?x=1`)).status).toBe(404);
  });

  it("takes a 12 MiB file in one PATCH and hands back a Location with the balancer's port", async () => {
    const { videoId, token } = await newVideo();
    const data = randomBytes(12 * MiB);
    const location = await new Promise<string>((resolve, reject) => {
      const upload: tus.Upload = new tus.Upload(data, {
        endpoint: `${lbUrl}/files/`,
        headers: { Authorization: `Bearer ${token}` },
        onError: reject,
        onSuccess: () => resolve(upload.url ?? ""),
      });
      upload.start();
    });
    expect(location).toBe(`${lbUrl}/files/${videoId}`);
    expect(await storedObjectHash(videoId)).toBe(sha256(data));
    expect((await videoRow(videoId)).status).toBe("processing");
  });

  it("streams a slow PATCH through to the farm as it arrives", async () => {
    const { videoId, token } = await newVideo();
    const total = 8 * MiB;
    const created = await fetch(`${lbUrl}/files/`, {
      method: "POST",
      headers: { "Tus-Resumable": "1.0.0", Authorization: `Bearer ${token}`, "Upload-Length": String(total) },
    });
    expect(created.status).toBe(201);
    let progressWhileStreaming = 0;
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${lbUrl}/files/${videoId}`, {
        method: "PATCH",
        headers: {
          "Tus-Resumable": "1.0.0",
          Authorization: `Bearer ${token}`,
          "Upload-Offset": "0",
          "Content-Type": "application/offset+octet-stream",
          "Content-Length": String(total),
        },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      let sent = 0;
      const next = async () => {
        if (sent === 6) progressWhileStreaming = (await videoRow(videoId)).progress;
        req.write(randomBytes(MiB));
        sent++;
        if (sent < 8) setTimeout(() => void next(), 400);
        else req.end();
      };
      void next();
    });
    expect(status).toBe(204);
    // Buffered by nginx, the farm would have seen nothing before the last byte.
    expect(progressWhileStreaming).toBeGreaterThan(0);
  });
});
