import { defineConfig } from "vitest/config";

// Most test time is spent waiting on child processes, Redis and git, so files run side by side.
// End-to-end files run after the rest, two at a time: each starts several chorebot processes,
// and a few of them measure how fast a watcher reacts, which a machine loaded past its cores
// would distort.
const timeouts = { testTimeout: 30_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    // Once for the whole run: end-to-end tests run the built CLI, exactly what `npm start` runs.
    globalSetup: ["test/e2e/global-setup.ts"],
    projects: [
      {
        test: { name: "unit", include: ["test/**/*.test.ts"], exclude: ["test/e2e/**"], maxWorkers: 3, sequence: { groupOrder: 0 }, ...timeouts },
      },
      {
        test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], maxWorkers: 2, sequence: { groupOrder: 1 }, ...timeouts },
      },
    ],
  },
});
