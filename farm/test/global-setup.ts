import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startLocalPostgres } from "../../scripts/local/embedded-postgres.ts";
import { freePort } from "../../scripts/local/ports.ts";
import { startLocalS3 } from "../../scripts/local/s3/s3-server.ts";
import { generatePrivateJwk } from "../../shared/auth/jwt.ts";
import { applyMigrations } from "../../shared/db/migrate.node.ts";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    s3Endpoint: string;
    /** Private JWK the tests sign upload tokens with; farms trust its public half. */
    signingJwk: string;
  }
}

/**
 * Real dependencies shared by the farm tests: an embedded PostgreSQL with the migrations and
 * the local S3 server with bucket `movio`.
 */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "movio-farm-test-"));
  const pg = await startLocalPostgres({
    dataDir: path.join(dir, "pg"),
    port: await freePort(),
    ephemeral: true,
  });
  await applyMigrations(pg.url);
  const s3 = await startLocalS3({
    directory: path.join(dir, "s3"),
    port: 0,
    accessKeyId: "movio-local",
    secretAccessKey: "movio-local",
    buckets: ["movio"],
  });
  project.provide("databaseUrl", pg.url);
  project.provide("s3Endpoint", s3.endpoint);
  project.provide("signingJwk", JSON.stringify(await generatePrivateJwk("farm-test")));
  return async () => {
    await s3.close();
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
