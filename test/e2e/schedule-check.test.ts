import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
import { checkOf } from "./pull-request-check.js";

// The check runs in the real app's check thread, judged by the limits the server is started
// with: SCHEDULE_MIN_INTERVAL and SCHEDULE_MAX_ATTEMPTS reach it from the environment.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { SCHEDULE_MIN_INTERVAL: "20s", SCHEDULE_MAX_ATTEMPTS: "2" } });
});
afterAll(async () => {
  await h?.close();
});

const chore = (schedule: string) => `import { defineScript } from "chorebot";
export default defineScript({
  description: "Purges expired sessions",
  schedule: ${schedule},
  async run() { return 1; },
});
`;

describe("the pull request check of a scheduled chore, in the running app", () => {
  it("shows the next occurrences, and judges by the server's own minimum interval and tries", async () => {
    const ok = await checkOf(h, {
      "chores/purge.ts": chore('{ every: "20s" }'),
      "chores/report.ts": chore('{ cron: "0 7 * * 1", timezone: "America/New_York" }'),
    });
    expect(ok).toMatchObject({ conclusion: "success", annotations: [] });
    expect(ok!.output.summary).toContain("**`chores/purge.ts`** runs every 20 s (a new schedule starts with the merge");
    expect(ok!.output.summary).toContain("**`chores/report.ts`** runs at 07:00, on Monday (`0 7 * * 1`, America/New_York time).");
    expect(ok!.output.summary?.match(/^\| Mon \d{4}-\d\d-\d\d 07:00 \| Mon \d{4}-\d\d-\d\d 1[12]:00 \|$/gm)).toHaveLength(5);

    const refused = await checkOf(h, {
      "chores/purge.ts": chore('{\n    every: "10s",\n    retries: { attempts: 3 },\n  }'),
      "scripts/2026-12-once.ts": chore('{ every: "1h" }'),
    });
    expect(refused).toMatchObject({ conclusion: "failure" });
    expect(refused!.annotations.map((a) => [a.path, a.start_line, a.title]).sort()).toEqual([
      ["chores/purge.ts", 5, "Invalid schedule"],
      ["chores/purge.ts", 6, "Invalid schedule"],
      ["scripts/2026-12-once.ts", 4, "Schedule in a one-off script"],
    ]);
    expect(refused!.annotations.find((a) => a.start_line === 5)?.message).toContain("minimum is 20s (SCHEDULE_MIN_INTERVAL)");
    expect(refused!.annotations.find((a) => a.start_line === 6)?.message).toContain("at most 2 (SCHEDULE_MAX_ATTEMPTS)");
  });
});
