import { defineConfig } from "vitest/config";

/** Farm tests run in Node against a real embedded PostgreSQL (test/global-setup.ts). */
export default defineConfig({
  test: {
    root: import.meta.dirname,
    // Tests of shared/ sit beside their code; the edge config runs them in workerd, and they
    // run here too because the farm runs the same shared code in Node.
    include: ["test/**/*.test.ts", "../shared/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
