import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./env.ts";
import { authenticate } from "./http/authenticate.ts";
import { apiCors } from "./http/cors.ts";
import { jsonBodyGuard } from "./http/json-body.ts";
import { requestLog } from "./http/logger.ts";
import { notFound, onError } from "./http/on-error.ts";
import { createRouter } from "./http/openapi-app.ts";
import { publicCache } from "./http/public-cache.ts";
import { requestContext } from "./http/request-context.ts";
import { services } from "./http/services.ts";
import { accountRoutes } from "./routes/account.ts";
import { adminRoutes } from "./routes/admin.ts";
import { authRoutes } from "./routes/auth.ts";
import { capabilityRoutes } from "./routes/capabilities.ts";
import { docsRoutes } from "./routes/docs.ts";
import { healthRoutes } from "./routes/health.ts";
import { jwksRoutes } from "./routes/jwks.ts";
import { pageRoutes } from "./routes/pages.tsx";
import { searchRoutes } from "./routes/search.ts";
import { subtitleRoutes } from "./routes/subtitles.ts";
import { videoRoutes } from "./routes/videos.ts";
import { webSessionRoutes } from "./routes/web-session.ts";
import { webhookRoutes } from "./routes/webhooks.ts";

/** Builds the edge application; one router per resource is mounted here. */
export function createApp(): OpenAPIHono<AppEnv> {
  const app = createRouter();
  app.use("*", requestContext);
  app.use("*", services);
  app.use("*", requestLog);
  app.use("/api/*", apiCors);
  app.use("/api/*", authenticate);
  app.use("/api/*", jsonBodyGuard);
  app.use("/api/v1/videos", publicCache);
  app.use("/api/v1/videos/:id", publicCache);
  app.use("/api/v1/search", publicCache);
  app.use("/", publicCache);
  app.use("/search", publicCache);

  app.route("/", healthRoutes);
  app.route("/", jwksRoutes);
  app.route("/", authRoutes);
  app.route("/", webSessionRoutes);
  app.route("/", accountRoutes);
  app.route("/", videoRoutes);
  app.route("/", subtitleRoutes);
  app.route("/", searchRoutes);
  app.route("/", capabilityRoutes);
  app.route("/", adminRoutes);
  app.route("/", webhookRoutes);
  app.route("/", docsRoutes);
  app.route("/", pageRoutes);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Movio API",
      version: "1.0.0",
      description: "Accounts, catalog and uploads of the Movio video platform.",
    },
  });

  app.notFound(notFound);
  app.onError(onError);
  return app;
}
