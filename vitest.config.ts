import { defineConfig } from "vitest/config";

// One runner for the whole workspace. Unit tests sit beside the code (src/**/*.test.ts);
// multi-process tests live under each package's test/ folder. Most multi-process files spend
// their time waiting on servers and child processes, so more files run at once than there are
// cores; each file shares one devcluster (or server) between its tests.
export default defineConfig({
  test: {
    include: ["**/src/**/*.test.ts", "**/test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 4,
    reporters: ["default"],
  },
});
