/**
 * Search provider settings shared by the edge and farm configs: which provider answers
 * `/api/v1/search` (Postgres full text by default, Algolia on request), Algolia's index name
 * and, for tests and local stand-ins, hosts other than Algolia's own. Each side names its own
 * key (the edge a search-only key, the farm an admin key); `requireAlgolia` refuses a config
 * that selects Algolia without what it needs, naming the missing variables.
 */
import { z } from "zod";
import { optionalString } from "./env-types.ts";

export const SEARCH_PROVIDERS = ["postgres", "algolia"] as const;
export type SearchProvider = (typeof SEARCH_PROVIDERS)[number];

export const searchProvider = z.enum(SEARCH_PROVIDERS).default("postgres");

/** One Algolia host as the `algoliasearch` client takes it. */
export interface AlgoliaHost {
  url: string;
  protocol: "http" | "https";
  accept: "readWrite";
}

/**
 * `ALGOLIA_HOSTS`: comma-separated base URLs (`http://127.0.0.1:7700`) used instead of
 * Algolia's own hosts — a local stand-in, or a proxy. Unset: the client's defaults.
 */
export const algoliaHosts = optionalString.transform((value, ctx): AlgoliaHost[] | undefined => {
  if (value === undefined) return undefined;
  const hosts: AlgoliaHost[] = [];
  for (const part of value.split(",").map((p) => p.trim())) {
    const url = parseUrl(part);
    if (!url || !/^https?:$/.test(url.protocol) || url.pathname !== "/" || url.search || url.username) {
      ctx.addIssue({
        code: "custom",
        message: `"${part}" is not a base URL such as https://host or http://host:port`,
      });
      return z.NEVER;
    }
    hosts.push({ url: url.host, protocol: url.protocol === "http:" ? "http" : "https", accept: "readWrite" });
  }
  return hosts;
});

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

export const algoliaIndex = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,100}$/, "must be an index name (letters, digits, _ . -)")
  .default("movio_videos");

/**
 * A superRefine for a side's config object: with SEARCH_PROVIDER=algolia, every variable in
 * `required` must be set. The issue names the variable, so parseEnv reports it by name.
 */
export function requireAlgolia<K extends string>(required: readonly K[]) {
  return (
    config: { SEARCH_PROVIDER: SearchProvider } & { [P in K]?: string | undefined },
    ctx: z.RefinementCtx,
  ) => {
    if (config.SEARCH_PROVIDER !== "algolia") return;
    for (const name of required) {
      if (config[name] === undefined) {
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: "is required when SEARCH_PROVIDER=algolia (see docs/search.md, Algolia)",
        });
      }
    }
  };
}
