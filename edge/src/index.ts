import { createApp } from "./app.ts";

// The Worker entry point (`main` in wrangler.toml).
export default createApp();
