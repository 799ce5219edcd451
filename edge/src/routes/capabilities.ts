import { createRoute } from "@hono/zod-openapi";
import { CapabilitiesSchema } from "../../../shared/api/subtitles.ts";
import { createRouter } from "../http/openapi-app.ts";
import { ok } from "../http/openapi-helpers.ts";
import { capabilities } from "../services/capabilities.ts";

export const capabilityRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/api/v1/capabilities",
    tags: ["capabilities"],
    summary: "What this deployment can do (e.g. whether machine translation is on)",
    responses: {
      200: ok("Capabilities", CapabilitiesSchema),
    },
  }),
  (c) => c.json(capabilities(c.get("config")), 200),
);
