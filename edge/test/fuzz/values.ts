/**
 * fast-check arbitraries for hostile input: values that follow a JSON schema from
 * /openapi.json closely enough to reach the handlers, mixed with wrong types, boundary and
 * overlong values, unicode (NUL, lone surrogates, emoji, RTL), and crafted cursors and ids.
 */
import fc from "fast-check";

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  pattern?: string;
  example?: unknown;
  format?: string;
}

export const nastyString = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\uD800",
    "\uDFFFx",
    "\u202Eevil",
    "🎬".repeat(70),
    "e\u0301",
    "null",
    "undefined",
    "NaN",
    "-1",
    "1e309",
    "' OR 1=1 --",
    "$1",
    "%00",
    "%",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "{}",
    "__proto__",
    "x".repeat(201),
    "x".repeat(5001),
  ),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
);

const nastyNumber = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    1,
    2 ** 31,
    2 ** 53,
    -(2 ** 53),
    1e308,
    -1e308,
    0.5,
    Number.MAX_SAFE_INTEGER + 2,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value at all (a wrong type for most fields). */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  nastyNumber,
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A value for `schema`: mostly one it accepts (hostile inside: NUL, surrogates), else anything. */
export function valueFor(schema: JsonSchema, schemas: Schemas, depth = 0, conformingWeight = 3) {
  const s = schema.$ref ? schemas.resolve(schema.$ref) : schema;
  return fc.oneof(
    { weight: conformingWeight, arbitrary: conforming(s, schemas, depth) },
    { weight: 1, arbitrary: outOfBounds(s) },
    { weight: 1, arbitrary: anyJson },
  );
}

/** The document's schemas, and real values (emails, tokens) to try for properties of a name. */
export interface Schemas {
  resolve(ref: string): JsonSchema;
  known: Record<string, unknown[]>;
}

/** Values the schema accepts: whatever the validation lets through must not break anything. */
function conforming(s: JsonSchema, schemas: Schemas, depth: number): fc.Arbitrary<unknown> {
  if (s.$ref) return conforming(schemas.resolve(s.$ref), schemas, depth);
  if (s.enum) return fc.constantFrom(...s.enum);
  const types = Array.isArray(s.type) ? s.type : [s.type ?? "string"];
  const options = types.map((type): fc.Arbitrary<unknown> => {
    switch (type) {
      case "null":
        return fc.constant(null);
      case "integer":
        return fc.integer({ min: s.minimum ?? -(2 ** 31), max: s.maximum ?? 2 ** 31 });
      case "number":
        return fc.double({ min: s.minimum ?? -1e9, max: s.maximum ?? 1e9, noNaN: true });
      case "boolean":
        return fc.boolean();
      case "array":
        return fc.array(s.items ? conforming(s.items, schemas, depth + 1) : anyJson, {
          maxLength: s.maxItems ?? 3,
        });
      case "object":
        return depth > 3 ? fc.constant({}) : objectFor(s, schemas, depth + 1);
      default:
        return conformingString(s);
    }
  });
  return options.length === 1 ? options[0]! : fc.oneof(...options);
}

function conformingString(s: JsonSchema): fc.Arbitrary<string> {
  if (s.pattern) return fc.stringMatching(new RegExp(s.pattern));
  if (s.maxLength === 254) return emailLike; // the Email schema
  const length = { minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 64, 300) };
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ ...length, unit: "grapheme-ascii" }) },
    { weight: 2, arbitrary: fc.string({ ...length, unit: "grapheme" }) },
    // NUL, lone surrogates and other code points a validator counts but a database may refuse.
    { weight: 1, arbitrary: fc.string({ ...length, unit: "binary" }) },
    fc
      .constantFrom("\u0000", "a\u0000b", "\uD800", "x\uDFFF", "\u202E", "🎬")
      .map((bad) =>
        `${"ok ".repeat(Math.max(1, length.minLength))}${bad}`.slice(0, Math.max(length.maxLength, 1)),
      ),
  );
}

/** Just past the schema's bounds, in the right type. */
function outOfBounds(s: JsonSchema): fc.Arbitrary<unknown> {
  const types = Array.isArray(s.type) ? s.type : [s.type];
  if (types.includes("integer") || types.includes("number")) {
    return fc.oneof(fc.constantFrom((s.minimum ?? 0) - 1, (s.maximum ?? 2 ** 53) + 1), nastyNumber);
  }
  if (types.includes("array")) {
    const over = (s.maxItems ?? 10) + 1;
    // Past a long limit (a thousand cue edits) with a cheap array; short ones with random values.
    if (over > 20) return fc.constant(Array.from({ length: over }, () => 0));
    return fc.array(anyJson, { minLength: over, maxLength: 20 });
  }
  if (types.includes("string")) {
    const max = s.maxLength ?? 300;
    return fc.constantFrom(
      "x".repeat(max + 1),
      "x".repeat(Math.max(0, (s.minLength ?? 1) - 1)),
      " ".repeat(max),
    );
  }
  return nastyString;
}

const emailLike = fc
  .tuple(
    fc.oneof(
      { weight: 3, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9.+-]{0,19}$/) },
      { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 20 }) },
    ),
    fc.constantFrom("example.com", "EXAMPLE.com", "example.com.", "xn--e1afmkfd.example"),
  )
  .map(([local, domain]) => `${local}@${domain}`);

/**
 * Objects: conforming ones (optional properties sometimes left out), the same with one
 * property swapped for a hostile value, and loose ones with missing and unknown keys.
 */
function objectFor(s: JsonSchema, schemas: Schemas, depth: number): fc.Arbitrary<unknown> {
  const props = Object.entries(s.properties ?? {});
  const required = [...(s.required ?? [])];
  const good = (name: string, schema: JsonSchema) => {
    const known = schemas.known[name] ?? [];
    const made = conforming(schema, schemas, depth);
    return known.length ? fc.oneof(made, fc.constantFrom(...known)) : made;
  };
  const valid = fc.record(Object.fromEntries(props.map(([k, v]) => [k, good(k, v)])), {
    requiredKeys: required,
  });
  const oneBad =
    props.length === 0
      ? valid
      : fc
          .tuple(valid, fc.constantFrom(...props), fc.oneof(anyJson, nastyString))
          .chain(([base, [name, schema], wild]) =>
            fc
              .oneof(outOfBounds(schema), fc.constant(wild))
              .map((bad) => ({ ...(base as object), [name]: bad })),
          );
  const loose = fc.record(Object.fromEntries(props.map(([k, v]) => [k, valueFor(v, schemas, depth)])), {
    requiredKeys: [],
  });
  const extra = fc.dictionary(
    fc.oneof(fc.constantFrom("__proto__", "constructor", "isAdmin", "role", "status"), fc.string()),
    anyJson,
    { minKeys: 1, maxKeys: 2 },
  );
  return fc.oneof(
    { weight: 5, arbitrary: valid },
    { weight: 3, arbitrary: oneBad },
    { weight: 1, arbitrary: loose },
    { weight: 1, arbitrary: fc.tuple(valid, extra).map(([a, b]) => ({ ...b, ...(a as object) })) },
  );
}

/** base64url of a string, as the API's cursors are. */
export const b64url = (text: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** Timestamps in Postgres' text form, its near misses, and words Postgres also reads. */
const timestampLike = fc.oneof(
  fc
    .tuple(
      fc.oneof(fc.integer({ min: 1970, max: 2100 }), fc.integer({ min: 0, max: 99999 })),
      fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 13 })),
      fc.oneof(fc.integer({ min: 1, max: 28 }), fc.integer({ min: 0, max: 32 })),
      fc.oneof(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 25 })),
      fc.integer({ min: 0, max: 61 }),
      fc.integer({ min: 0, max: 61 }),
      fc.oneof(fc.integer({ min: 0, max: 999999 }), fc.integer({ min: 0, max: 9999999 })),
      fc.oneof(fc.integer({ min: -12, max: 14 }), fc.integer({ min: -17, max: 17 })),
    )
    .map(
      ([y, mo, d, h, mi, s, us, off]) =>
        `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)} ${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${us}${off < 0 ? "-" : "+"}${pad(Math.abs(off), 2)}`,
    ),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString().replace("T", " ").replace("Z", "+00")),
  fc.constantFrom(
    "1",
    "0",
    "-1",
    "infinity",
    "-infinity",
    "epoch",
    "now",
    "today",
    "allballs",
    "2026-02-30 10:00:00+00",
  ),
  nastyString,
);

export const idLike = fc.oneof(
  fc.uuid(),
  fc.uuid().map((u) => u.toUpperCase()),
  fc.uuid().map((u) => `${u}x`),
  fc.constantFrom("00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"),
  nastyString,
);

export const cursorLike = fc.oneof(
  fc.tuple(timestampLike, idLike).map(([at, id]) => b64url(JSON.stringify([at, id]))),
  fc.tuple(timestampLike, idLike).map(([at, id]) => b64url(JSON.stringify({ at, id }))),
  fc.jsonValue({ maxDepth: 2 }).map((v) => b64url(JSON.stringify(v))),
  nastyString,
  fc.base64String({ maxLength: 80 }),
);
