import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startLocalPostgres } from "../../scripts/local/embedded-postgres.ts";
import { freePort } from "../../scripts/local/ports.ts";
import { applyMigrations } from "../../shared/db/migrate.node.ts";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/** A throw-away embedded PostgreSQL with the migrations applied, shared by all farm tests. */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "movio-farm-test-"));
  const pg = await startLocalPostgres({
    dataDir: path.join(dir, "pg"),
    port: await freePort(),
    ephemeral: true,
  });
  await applyMigrations(pg.url);
  project.provide("databaseUrl", pg.url);
  return async () => {
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
