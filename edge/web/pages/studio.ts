import "../lib/account.ts";

// Filled in by the studio page work.
