/**
 * Test support: the edge's own services (VideoService, the jobs console's AdminActions) run in
 * Node against the test database, over the local `POST /sql` bridge the edge uses under
 * `npm start` — so farm tests can drive a video the way the edge really changes it.
 * AdminActions is loaded at run time by path: its module's imports reach the Worker's binding
 * types (edge/src/env.ts), which the Node typecheck does not declare; the caller names the
 * methods it uses as `Admin`.
 */
import { inject } from "vitest";
import { getKeyRing } from "../../../edge/src/auth/keys.ts";
import { databaseFor } from "../../../edge/src/db/request-db.ts";
import { VideoService } from "../../../edge/src/services/video-service.ts";
import type { WsBridge } from "../../../scripts/local/ws-bridge.ts";
import { edgeConfigSchema } from "../../../shared/config/edge-config.ts";
import { parseEnv } from "../../../shared/config/env-parse.ts";

const ADMIN_ACTIONS = new URL("../../../edge/src/services/admin-actions.ts", import.meta.url).href;

export async function edgeServices<Admin>(
  bridge: WsBridge,
  cdnTokenSecret: string,
): Promise<{ videos: VideoService; admin: Admin }> {
  const edge = parseEnv(
    edgeConfigSchema,
    {
      DATABASE_URL: inject("databaseUrl"),
      DB_WS_PROXY: `127.0.0.1:${bridge.port}`,
      // The farm trusts the tests' signing key: the edge's tickets must be signed with it.
      JWT_PRIVATE_JWK: inject("signingJwk"),
      CDN_TOKEN_SECRET: cdnTokenSecret,
    },
    "edge",
  );
  const database = databaseFor(edge);
  const { AdminActions } = (await import(/* @vite-ignore */ ADMIN_ACTIONS)) as {
    AdminActions: new (db: typeof database) => Admin;
  };
  return {
    videos: new VideoService(database, edge, await getKeyRing(edge)),
    admin: new AdminActions(database),
  };
}
