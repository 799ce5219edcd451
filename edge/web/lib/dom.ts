/** Small DOM helpers for the page scripts. */
import type { ElementId } from "../../../shared/web/pages/element-ids.ts";
import { pageDataIds } from "../../../shared/web/pages/layout-contract.ts";

/**
 * The element with this id; a page that lacks it is a bug, so this throws. Only ids a page
 * contract declares (shared/web/pages/*-contract.ts) are accepted, never a bare string.
 */
export function byId<T extends HTMLElement = HTMLElement>(id: ElementId): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing`);
  return element as T;
}

/** The JSON the server put in `#page-data` for this page (its type is in the page's contract). */
export function pageData<T>(): T {
  const element = document.getElementById(pageDataIds.json);
  return (element ? JSON.parse(element.textContent ?? "null") : null) as T;
}

type Attributes = Record<string, string | number | boolean | null | undefined>;
type ChildNode = Node | string | null | undefined | false;

/**
 * `h("a", {href: "/x", class: "button"}, "text")`: builds elements with text set as text
 * (never parsed as HTML) and attributes set one by one, so API data cannot inject markup.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: ChildNode[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

/** Same-site paths only: `?next=` must never send a user to another site. */
export function safeNext(value: string | null, fallback = "/"): string {
  if (!value?.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return fallback;
  return value;
}
