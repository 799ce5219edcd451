/**
 * The frame of every page (edge/src/pages/layout.tsx): skip-link target, search box and the
 * account area edge/web/lib/account.ts fills in; and, on pages that pass data, the
 * `#page-data` JSON element `pageData()` (edge/web/lib/dom.ts) reads, whose shape each
 * page's own contract declares (e.g. `WatchPageData`).
 */
import { defineIds } from "./element-ids.ts";

export const layoutIds = defineIds({
  main: "main",
  siteSearch: "site-search",
  accountName: "account-name",
  logout: "logout",
  /** Shown while the account must verify its address (SIGNUP_REQUIRES_VERIFIED_EMAIL). */
  verifyBanner: "verify-banner",
  verifyResend: "verify-banner-resend",
  verifyStatus: "verify-banner-status",
});

/** Rendered only when the page passes `data` to the layout. */
export const pageDataIds = defineIds({
  json: "page-data",
});
