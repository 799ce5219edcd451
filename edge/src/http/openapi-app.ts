/**
 * Routers are OpenAPIHono apps: the zod schemas that validate requests also generate
 * /openapi.json. Every validation failure becomes one ApiError, like every other error.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { ApiError } from "../../../shared/errors/api-error.ts";
import type { AppEnv } from "../env.ts";

interface Issue {
  path: PropertyKey[];
  message: string;
  code?: string;
}

export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const issues = (result.error as { issues: Issue[] }).issues.map((issue) => ({
        path: issue.path.map(String).join("."),
        message: issue.message,
      }));
      const target = (result as { target?: string }).target;
      // `invalid_id` is for ids; other path parameters (a subtitle's language) are ordinary validation.
      if (target === "param" && issues.some((i) => i.path === "id"))
        throw new ApiError("invalid_id", "the id in the path is not a valid id", { details: issues });
      const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
      throw new ApiError("validation_failed", `invalid ${target ?? "request"}: ${summary}`, {
        details: issues,
      });
    },
  });
}
