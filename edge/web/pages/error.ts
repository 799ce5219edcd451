import "../lib/account.ts";
