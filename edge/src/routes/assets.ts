import { Hono } from "hono";
// A relative path: dashjs' package "exports" hide its dist files from bare imports.
import dashjsSource from "../../../node_modules/dashjs/dist/modern/umd/dash.all.min.js";
import type { AppEnv } from "../env.ts";

/** Static assets of the web pages, served by the Worker so pages load nothing from elsewhere. */
export const DASHJS_PATH = "/assets/dash.all.min.js";

export const assetRoutes = new Hono<AppEnv>().get(DASHJS_PATH, (c) => {
  c.header("content-type", "text/javascript; charset=utf-8");
  c.header("cache-control", "public, max-age=86400");
  return c.body(dashjsSource);
});
