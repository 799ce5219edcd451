/**
 * Turns each operation of /openapi.json into an arbitrary of hostile HTTP requests: its
 * path, query and body filled from valuesFor(), with odd content types, malformed JSON,
 * oversized bodies, bad bearer tokens and odd client headers mixed in.
 */
import fc from "fast-check";
import {
  anyJson,
  cursorLike,
  idLike,
  type JsonSchema,
  nastyString,
  type Schemas,
  valueFor,
} from "./values.ts";

export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
}

interface Operation {
  parameters?: { name: string; in: "path" | "query" | "header"; schema: JsonSchema }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  security?: unknown[];
}

export interface FuzzOperation {
  method: string;
  path: string;
  op: Operation;
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** Values the requests draw on so that some of them get past authentication and lookups. */
export interface FuzzContext {
  /** Valid access tokens (owners of `ids`, other users). */
  tokens: string[];
  /** Tokens that are well-formed but wrong: expired, another audience, a refresh token. */
  badTokens: string[];
  ids: string[];
  cursors: string[];
  /** Real values for body properties of that name (an account's email, refresh tokens). */
  known: Record<string, unknown[]>;
}

export function operationsOf(doc: OpenApiDoc): FuzzOperation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
}

const contentTypes = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/merge-patch+json",
  "application/json;;;",
  "application/jsonx",
  "text/json",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/octet-stream",
  "",
);

const rawBodies = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom("", "{", '{"a":', "[", "null", "0", '"str"', "{}", "[]", "\uFEFF{}", '{"a":1}{"b":2}'),
  fc.constant(`{"title":"${"x".repeat(5000)}"}`), // over MAX_JSON_BYTES in the tests
  fc.integer({ min: 1, max: 3000 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`),
);

function authorization(ctx: FuzzContext): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...ctx.tokens).map((t) => `Bearer ${t}`) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.constantFrom(...ctx.badTokens).map((t) => `Bearer ${t}`),
        fc.constantFrom(
          "Bearer",
          "Bearer ",
          "bearer x",
          "Basic YTpi",
          "Bearer a.b.c",
          "Bearer ...",
          "Token x",
        ),
        fc.constantFrom(...ctx.tokens).map((t) => `Bearer ${t.slice(0, -3)}abc`),
        fc.constantFrom(...ctx.tokens).map((t) => `Bearer ${t} extra`),
        fc.string({ unit: "binary-ascii", maxLength: 80 }).map((s) => `Bearer ${s}`),
      ),
    },
  );
}

const clientIp = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.constantFrom("", "unknown", "::ffff:1.2.3.4", "[::1]", "fe80::1%eth0", "999.1.1.1", "1:2:3"),
  fc.string({ unit: "binary-ascii", maxLength: 40 }),
);

function pathFor(template: string, ctx: FuzzContext): fc.Arbitrary<string> {
  const id = fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...ctx.ids) },
    { weight: 3, arbitrary: idLike },
  );
  // Subtitle languages: real ones (some with a track), odd spellings, then anything.
  const lang = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom("en", "fr", "pt-BR", "pt_br", "eng", "und", "EN", "zh-Hant-TW") },
    { weight: 1, arbitrary: fc.constantFrom("xx", "english", "e", "en-", "a".repeat(40), "en..", "%2e%2e") },
    { weight: 1, arbitrary: nastyString },
  );
  const segments = template
    .split("/")
    .map((segment) =>
      /^\{.+\}$/.test(segment)
        ? fc
            .tuple(segment === "{lang}" ? lang : id, fc.boolean())
            .map(([value, raw]) => (raw ? value : percentEncoded(value)))
        : fc.constant(segment),
    );
  return fc.tuple(...segments).map((parts) => parts.join("/"));
}

function queryFor(op: Operation, ctx: FuzzContext): fc.Arbitrary<string> {
  const params = (op.parameters ?? []).filter((p) => p.in === "query");
  const paramValue = (name: string, schema: JsonSchema) =>
    name === "cursor"
      ? fc.oneof(fc.constantFrom(...ctx.cursors), cursorLike)
      : fc.oneof(
          { weight: 3, arbitrary: valueFor(schema, { resolve: () => ({}), known: {} }, 0, 6).map(String) },
          nastyString,
        );
  const pairs = params.map((p) =>
    fc.option(
      fc
        .array(paramValue(p.name, p.schema), { minLength: 1, maxLength: 2 })
        .map((values) => values.map((v) => [p.name, v])),
      { nil: [], freq: 2 },
    ),
  );
  const junk = fc.option(
    fc.tuple(nastyString, nastyString).map((pair) => [pair]),
    { nil: [] },
  );
  return fc.tuple(junk, ...pairs).map((lists) => {
    const query = new URLSearchParams(lists.flat() as [string, string][]).toString();
    return query ? `?${query}` : "";
  });
}

function bodyFor(op: Operation, schemas: Schemas) {
  const schema = op.requestBody?.content["application/json"]?.schema;
  const json = schema ? valueFor(schema, schemas, 0, 6) : anyJson;
  return fc.oneof(
    { weight: 7, arbitrary: json.map((v) => ({ body: JSON.stringify(v) ?? "", type: "application/json" })) },
    {
      weight: 2,
      arbitrary: fc.tuple(json, contentTypes).map(([v, type]) => ({ body: JSON.stringify(v) ?? "", type })),
    },
    { weight: 2, arbitrary: fc.tuple(rawBodies, contentTypes).map(([body, type]) => ({ body, type })) },
    { weight: 1, arbitrary: fc.constant({ body: undefined, type: undefined }) },
  );
}

export function requestsFor(
  fuzz: FuzzOperation,
  doc: OpenApiDoc,
  ctx: FuzzContext,
): fc.Arbitrary<FuzzRequest> {
  const schemas: Schemas = {
    resolve: (ref) => doc.components.schemas[ref.split("/").pop()!] ?? {},
    known: ctx.known,
  };
  const canHaveBody = !["GET", "HEAD"].includes(fuzz.method);
  return fc
    .record({
      path: pathFor(fuzz.path, ctx),
      query: queryFor(fuzz.op, ctx),
      body: canHaveBody ? bodyFor(fuzz.op, schemas) : fc.constant({ body: undefined, type: undefined }),
      authorization: authorization(ctx),
      ip: clientIp,
      accept: fc.option(fc.constantFrom("*/*", "text/html", "application/xml", "", "application/json;q=0")),
    })
    .map(({ path, query, body, authorization, ip, accept }) => {
      const headers: Record<string, string> = { "cf-connecting-ip": headerSafe(ip) };
      if (authorization !== undefined) headers.authorization = headerSafe(authorization);
      if (body.type !== undefined) headers["content-type"] = body.type;
      if (accept !== null) headers.accept = accept;
      return { method: fuzz.method, path: `${path}${query}`, headers, body: body.body };
    });
}

/** encodeURIComponent throws on a lone surrogate; a URL would carry U+FFFD for it anyway. */
function percentEncoded(value: string): string {
  return encodeURIComponent(value.replace(/\p{Cs}/gu, "\uFFFD"));
}

/** What can arrive in an HTTP header at all: no control characters (fetch refuses them). */
function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, "").trim();
}
