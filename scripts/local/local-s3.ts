/**
 * The local object store: s3rver (an S3-compatible server on the file system) with the
 * bucket created on start. It accepts the fixed credentials S3RVER/S3RVER.
 */
import { mkdir } from "node:fs/promises";
import type http from "node:http";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer?: http.Server;
}
type S3rverCtor = new (options: Record<string, unknown>) => S3rverInstance;

export interface LocalS3 {
  endpoint: string;
  close(): Promise<void>;
}

export async function startLocalS3(options: {
  directory: string;
  port: number;
  bucket: string;
}): Promise<LocalS3> {
  await mkdir(options.directory, { recursive: true });
  const S3rver = require("s3rver") as S3rverCtor;
  const server = new S3rver({
    address: "127.0.0.1",
    port: options.port,
    directory: options.directory,
    silent: true,
    configureBuckets: [{ name: options.bucket }],
  });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: async () => {
      server.httpServer?.closeAllConnections();
      await server.close();
    },
  };
}
