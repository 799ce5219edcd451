/**
 * The header's account area on every page: shows the signed-in links or the log-in ones,
 * and logs out. Every page script imports this module first.
 */
import { layoutIds } from "../../../shared/web/pages/layout-contract.ts";
import { byId } from "./dom.ts";
import { onSessionChange, restoreSession, signOut, type User } from "./session.ts";

function render(user: User | null): void {
  for (const element of document.querySelectorAll<HTMLElement>("[data-signed-in]")) element.hidden = !user;
  for (const element of document.querySelectorAll<HTMLElement>("[data-signed-out]")) element.hidden = !!user;
  // The jobs console link, for admins (the console itself asks the admin API).
  for (const element of document.querySelectorAll<HTMLElement>("[data-admin]"))
    element.hidden = user?.role !== "admin";
  byId(layoutIds.accountName).textContent = user ? user.displayName : "";
}

onSessionChange(render);
byId(layoutIds.logout).addEventListener("click", async () => {
  await signOut();
  location.assign("/");
});
void restoreSession();
