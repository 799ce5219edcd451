/**
 * The pieces every route definition repeats, written once: a required JSON request body, a
 * JSON response, and the bearer security requirement (the scheme itself is registered in
 * app.ts). They only build plain OpenAPI objects, so /openapi.json is the same whether a
 * route spells them out or uses these; the generics keep each schema's type for the handler.
 */

/** A required `application/json` request body validated by `schema`. */
export const json = <T>(schema: T) => ({ content: { "application/json": { schema } }, required: true });

/** A response with an `application/json` body of `schema`. */
export const ok = <T>(description: string, schema: T) => ({
  description,
  content: { "application/json": { schema } },
});

/** Routes that need an access token: `Authorization: Bearer <jwt>`. */
export const bearer = [{ bearer: [] }];
