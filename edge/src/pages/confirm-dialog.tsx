/**
 * The one confirmation dialog of a page (`<dialog id="confirm">`); edge/web/lib/confirm.ts
 * fills in the question and the confirming button's words, and answers true or false.
 */
export function ConfirmDialog() {
  return (
    <dialog id="confirm" class="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-text">
      <form method="dialog">
        <h2 id="confirm-title">Are you sure?</h2>
        <p id="confirm-text" />
        <div class="actions">
          <button type="submit" value="cancel" id="confirm-cancel">
            Keep it
          </button>
          <button type="submit" value="ok" class="danger" id="confirm-ok">
            Confirm
          </button>
        </div>
      </form>
    </dialog>
  );
}
