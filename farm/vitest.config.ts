import { defineConfig } from "vitest/config";

/** Farm tests run in Node against a real embedded PostgreSQL (test/global-setup.ts). */
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
