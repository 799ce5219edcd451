import { Hono } from "hono";
import { getKeyRing } from "../auth/keys.ts";
import type { AppEnv } from "../env.ts";

/** Public keys for verifying the edge's tokens (the farm verifies upload tokens with them). */
export const jwksRoutes = new Hono<AppEnv>().get("/.well-known/jwks.json", async (c) => {
  const { jwks } = await getKeyRing(c.get("config"));
  c.header("cache-control", "public, max-age=300");
  return c.json(jwks);
});
