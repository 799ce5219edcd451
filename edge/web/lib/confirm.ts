/**
 * Asks in the page's `<dialog id="confirm">` (edge/src/pages/confirm-dialog.tsx): modal,
 * keyboard-usable (Escape or "Keep it" cancel), focus back where it was afterwards.
 */
import { byId } from "./dom.ts";

export interface Question {
  title: string;
  text: string;
  /** The confirming button's words, e.g. "Delete video". */
  confirm: string;
  cancel?: string;
}

export function confirmAction(question: Question): Promise<boolean> {
  const dialog = byId<HTMLDialogElement>("confirm");
  byId("confirm-title").textContent = question.title;
  byId("confirm-text").textContent = question.text;
  byId("confirm-ok").textContent = question.confirm;
  byId("confirm-cancel").textContent = question.cancel ?? "Keep it";
  const returnTo = document.activeElement as HTMLElement | null;
  dialog.returnValue = "";
  dialog.showModal();
  // The safe answer has the focus: Enter by accident keeps things as they are.
  byId("confirm-cancel").focus();
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
