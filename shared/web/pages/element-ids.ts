/**
 * Element ids shared by a server-rendered page (edge/src/pages, hono/jsx) and its browser
 * script (edge/web): every id a page renders is declared once, in a contract module beside
 * this one, with `defineIds`. The JSX writes `id={watchIds.video}`, the script looks it up
 * with `byId(watchIds.video)`; renaming an id is then one edit, seen by both sides.
 *
 * The ids are branded, so `byId` (edge/web/lib/dom.ts) takes only a contract's id, never a
 * bare string; the HTML is unchanged (the brand exists only for the type checker).
 * edge/test/page-contracts.test.ts renders each page and checks its ids are exactly those of
 * its contracts, so a renamed or forgotten id fails a test instead of a browser.
 *
 * Imported by the Worker and by browser code: no `node:` or Workers-only imports here.
 */

declare const contractId: unique symbol;

/** An element id a contract declares: a plain string at runtime, branded for the checker. */
export type ElementId<Id extends string = string> = Id & { readonly [contractId]: true };

export type ElementIds<T extends Record<string, string>> = { readonly [K in keyof T]: ElementId<T[K]> };

/** `defineIds({ video: "video" })`: the same object, its values typed as contract ids. */
export function defineIds<const T extends Record<string, string>>(ids: T): ElementIds<T> {
  return Object.freeze({ ...ids }) as unknown as ElementIds<T>;
}
