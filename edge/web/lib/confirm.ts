/**
 * Asks in the page's `<dialog id="confirm">` (edge/src/pages/confirm-dialog.tsx): modal,
 * keyboard-usable (Escape or "Keep it" cancel), focus back where it was afterwards.
 */
import { confirmIds } from "../../../shared/web/pages/confirm-dialog-contract.ts";
import { byId } from "./dom.ts";

export interface Question {
  title: string;
  text: string;
  /** The confirming button's words, e.g. "Delete video". */
  confirm: string;
  cancel?: string;
}

export function confirmAction(question: Question): Promise<boolean> {
  const dialog = byId<HTMLDialogElement>(confirmIds.dialog);
  byId(confirmIds.title).textContent = question.title;
  byId(confirmIds.text).textContent = question.text;
  byId(confirmIds.ok).textContent = question.confirm;
  byId(confirmIds.cancel).textContent = question.cancel ?? "Keep it";
  const returnTo = document.activeElement as HTMLElement | null;
  dialog.returnValue = "";
  dialog.showModal();
  // The safe answer has the focus: Enter by accident keeps things as they are.
  byId(confirmIds.cancel).focus();
  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => {
        returnTo?.focus();
        resolve(dialog.returnValue === "ok");
      },
      { once: true },
    );
  });
}
