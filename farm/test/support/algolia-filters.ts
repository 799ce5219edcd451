/** The Algolia stand-in's `filters` (support/algolia-stand-in.ts), and its HTTP errors. */
import type { Obj } from "./algolia-matching.ts";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const bareName = (spec: string) => spec.replace(/^\w+\((.+)\)$/, "$1");

export function facetAttributes(settings: Obj): Set<string> {
  return new Set(((settings.attributesForFaceting as string[] | undefined) ?? []).map(bareName));
}

/** Algolia's `filters` syntax, facet comparisons only: `a:b`, `a:"b c"`, AND, OR, NOT, ( ). */
export function parseFilters(text: string, facets: Set<string>): (record: Obj) => boolean {
  if (text.trim() === "") return () => true;
  const tokens = [...text.matchAll(/\s*("(?:[^"\\]|\\.)*"|\(|\)|:|[^\s():"]+)/g)].map((m) => m[1]!);
  let at = 0;
  const peek = () => tokens[at];
  const next = () => {
    const token = tokens[at++];
    if (token === undefined) throw new HttpError(400, `filters: unexpected end in ${JSON.stringify(text)}`);
    return token;
  };
  const value = (token: string) => (token.startsWith('"') ? JSON.parse(token) : token) as string;
  const or = (): ((r: Obj) => boolean) => {
    const parts = [and()];
    while (peek() === "OR") {
      at++;
      parts.push(and());
    }
    return (r) => parts.some((p) => p(r));
  };
  const and = (): ((r: Obj) => boolean) => {
    const parts = [unary()];
    while (peek() === "AND") {
      at++;
      parts.push(unary());
    }
    return (r) => parts.every((p) => p(r));
  };
  const unary = (): ((r: Obj) => boolean) => {
    const token = next();
    if (token === "NOT") {
      const inner = unary();
      return (r) => !inner(r);
    }
    if (token === "(") {
      const inner = or();
      if (next() !== ")") throw new HttpError(400, `filters: expected ) in ${JSON.stringify(text)}`);
      return inner;
    }
    const attr = value(token);
    if (next() !== ":")
      throw new HttpError(400, `filters: expected attribute:value in ${JSON.stringify(text)}`);
    const wanted = value(next());
    if (!facets.has(attr)) {
      throw new HttpError(
        400,
        `filters: ${attr} is not in attributesForFaceting (Algolia would match nothing)`,
      );
    }
    return (r) => {
      const actual = r[attr];
      return Array.isArray(actual)
        ? actual.map(String).includes(wanted)
        : actual !== undefined && String(actual) === wanted;
    };
  };
  const filter = or();
  if (at !== tokens.length)
    throw new HttpError(400, `filters: unexpected ${tokens[at]} in ${JSON.stringify(text)}`);
  return filter;
}
