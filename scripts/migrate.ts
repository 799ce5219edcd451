/**
 * `npm run db:migrate`: applies migrations/ to DATABASE_URL (Neon or any Postgres) — the
 * deploy step before `wrangler deploy`. `npm start` does this itself for the local stack.
 */
import { z } from "zod";
import { parseEnv } from "../shared/config/env-parse.ts";
import { postgresUrl } from "../shared/config/env-types.ts";
import { applyMigrations } from "../shared/db/migrate.node.ts";

const { DATABASE_URL } = parseEnv(z.object({ DATABASE_URL: postgresUrl }), process.env, "migration");
await applyMigrations(DATABASE_URL);
console.log("migrations applied");
