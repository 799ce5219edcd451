/**
 * The one confirmation dialog of a page (`<dialog id="confirm">`); edge/web/lib/confirm.ts
 * fills in the question and the confirming button's words, and answers true or false. Its
 * ids are in shared/web/pages/confirm-dialog-contract.ts, which both sides import.
 */
import { confirmIds } from "../../../shared/web/pages/confirm-dialog-contract.ts";

export function ConfirmDialog() {
  return (
    <dialog
      id={confirmIds.dialog}
      class="confirm"
      aria-labelledby={confirmIds.title}
      aria-describedby={confirmIds.text}
    >
      <form method="dialog">
        <h2 id={confirmIds.title}>Are you sure?</h2>
        <p id={confirmIds.text} />
        <div class="actions">
          <button type="submit" value="cancel" id={confirmIds.cancel}>
            Keep it
          </button>
          <button type="submit" value="ok" class="danger" id={confirmIds.ok}>
            Confirm
          </button>
        </div>
      </form>
    </dialog>
  );
}
