import { defineConfig } from "vitest/config";

/** The stack test: starts the whole platform the way `npm start` does. */
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ["test/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
