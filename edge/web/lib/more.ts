/**
 * "More" links (home grid, search results) are plain links to the next page, so they work
 * without JavaScript. With it, the next page is fetched and its items appended in place;
 * the server renders both, so cards have one markup. Focus moves to the first new item.
 */
import type { ElementId } from "../../../shared/web/pages/element-ids.ts";
import { moreLinkIds } from "../../../shared/web/pages/more-link-contract.ts";

export function enhanceMoreLink(listId: ElementId, linkId: ElementId = moreLinkIds.link): void {
  const link = document.getElementById(linkId) as HTMLAnchorElement | null;
  const list = document.getElementById(listId);
  if (!link || !list) return;
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    link.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(link.href, { headers: { accept: "text/html" } });
      if (!response.ok) throw new Error(String(response.status));
      const next = new DOMParser().parseFromString(await response.text(), "text/html");
      const items = [...(next.getElementById(listId)?.children ?? [])];
      for (const item of items) list.append(document.adoptNode(item));
      const first = items[0]?.querySelector<HTMLElement>("a[href]:not([tabindex='-1'])");
      first?.focus();
      const nextLink = next.getElementById(linkId) as HTMLAnchorElement | null;
      if (nextLink) link.href = nextLink.href;
      else link.parentElement?.remove();
    } catch {
      location.assign(link.href); // let the browser load the page the plain way
    } finally {
      link.removeAttribute("aria-busy");
    }
  });
}
