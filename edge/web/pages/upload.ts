import "../lib/account.ts";

// Filled in by the upload page work.
