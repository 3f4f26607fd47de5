import { defineConfig } from "vitest/config";

// One runner for the whole workspace. Unit tests sit beside the code (src/**/*.test.ts);
// multi-process tests live under each package's test/ folder. Test files run in parallel
// across the machine's cores; a file that starts servers shares them between its tests.
export default defineConfig({
  test: {
    include: ["**/src/**/*.test.ts", "**/test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    reporters: ["default"],
  },
});
