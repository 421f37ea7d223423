import { afterEach, describe, expect, it, vi } from "vitest";
import * as judge from "../../../src/schedules/judge-schedule.js";
import { scheduledVersion } from "../../../src/schedules/scheduled-version.js";
import { repoCatalog } from "../chores/chores-fixtures.js";
import { schedule, scheduledEntry } from "../schedules/schedules-fixtures.js";

vi.mock("../../../src/schedules/judge-schedule.js", async (original) => {
  const real = await original<typeof judge>();
  return { ...real, judgeSchedule: vi.fn(real.judgeSchedule) };
});

// Attack (cost): judgeSchedule takes 15 to 50 ms for an ordinary cron expression in a zone with
// clock changes (a year of them is looked for) and up to a second for inputs whose patterns
// backtrack, on the worker's main thread. Every push's reconcile judged every scheduled chore
// of the repository, and every trigger judged its chore twice (the trigger, then its run): 200
// chores held the worker 3 to 10 s per push, in which it renews no job's lock.
const LIMITS = { minIntervalMs: 60_000, maxAttempts: 5 };
const judged = vi.mocked(judge.judgeSchedule);

describe("judging the schedules of a repository with many scheduled chores", () => {
  afterEach(() => judged.mockClear());

  it("judges an unchanged schedule once, not at every reconcile and trigger", () => {
    const chores = Array.from({ length: 200 }, (_, i) =>
      scheduledEntry(
        `chore-${i}`,
        schedule({ everyMs: null, cron: `${i % 60} ${Math.floor(i / 60)}-23/2 * * *`, timezone: i % 2 === 0 ? "Europe/Berlin" : "America/New_York" }),
      ),
    );
    const catalog = repoCatalog("acme", "shop", chores);
    const start = performance.now();
    // A push's reconcile, then a trigger and its run for each chore, then the next push's reconcile.
    for (let pass = 0; pass < 4; pass++) for (const entry of chores) expect(scheduledVersion(catalog, entry.name, LIMITS)).toHaveProperty("chore");
    const tookMs = performance.now() - start;
    expect(judged).toHaveBeenCalledTimes(200);
    expect(tookMs).toBeLessThan(200 * 4 * 15);
  });

  it("judges a changed schedule, or the same one against other limits, again", () => {
    const catalog = (cron: string) => repoCatalog("acme", "shop", [scheduledEntry("report", schedule({ everyMs: null, cron }))]);
    expect(scheduledVersion(catalog("0 3 * * *"), "report", LIMITS)).toHaveProperty("chore");
    expect(scheduledVersion(catalog("0 3 * * *"), "report", LIMITS)).toHaveProperty("chore");
    expect(scheduledVersion(catalog("* * * * * *"), "report", LIMITS)).toMatchObject({ refused: expect.stringMatching(/too often|every 1s/) });
    expect(scheduledVersion(catalog("* * * * * *"), "report", { ...LIMITS, minIntervalMs: 1_000 })).toHaveProperty("chore");
    expect(judged).toHaveBeenCalledTimes(3);
  });
});
