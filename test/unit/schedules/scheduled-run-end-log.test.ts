import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { renderRunLog } from "../../../src/runlog/render-run-log.js";
import { scheduleDigestPath, scheduleLogPath } from "../../../src/runlog/run-log-path.js";
import { targetLogPath, type LoggedTarget } from "../../../src/runlog/target-log-path.js";
import type { ChoreRun } from "../../../src/run-types.js";
import type { ScheduleDescription } from "../../../src/sdk/protocol.js";
import { runLogInput } from "../runlog/run-log-fixture.js";

const SCHEDULE: ScheduleDescription = {
  cron: null,
  everyMs: 60_000,
  timezone: "UTC",
  retries: { attempts: 3, backoff: "fixed", delayMs: 1000 },
  retryOn: ["failed"],
  overlap: "skip",
  catchUp: "latest",
  inputs: {},
};
const OCCURRENCE = Date.parse("2026-12-06T23:59:00.000Z");
const scheduled = (attempt: number): ChoreRun => ({
  name: "billing/purge",
  request: {
    trigger: "schedule",
    requestedBy: "schedule",
    // The trigger ran after midnight: the occurrence, not this, dates the log.
    requestedAt: "2026-12-07T00:00:01.000Z",
    inputs: {},
    schedule: { schedulerId: "sched-acme.shop-billing-purge-1a2b3c4d", occurrenceMs: OCCURRENCE, attempt, schedule: SCHEDULE },
  },
});

describe("a scheduled try's log path and front matter", () => {
  it("puts a scheduled try's log under logs/schedules/<chore>/<yyyy>/<mm>/<dd>-<run>.md, dated by its occurrence", () => {
    const target: LoggedTarget = {
      path: "chores/billing/purge.ts",
      commit: "abc",
      config: { logsDir: "records" } as LoggedTarget["config"],
      chore: scheduled(2),
    };
    expect(targetLogPath(target, 1, "sched-acme.shop-billing-purge-1a2b3c4d-1796601540000-try-2")).toBe(
      "records/schedules/billing/purge/2026/12/06-sched-acme.shop-billing-purge-1a2b3c4d-1796601540000-try-2.md",
    );
    // A person's retry of that run from the dashboard gets a file of its own.
    expect(targetLogPath(target, 2, "r")).toBe("records/schedules/billing/purge/2026/12/06-r-attempt-2.md");
  });

  it("names the day's digest <dd>.md next to them, which no run's log can take", () => {
    expect(scheduleDigestPath({ chore: "billing/purge", at: "2026-12-06T23:59:00.000Z" })).toBe("logs/schedules/billing/purge/2026/12/06.md");
    expect(scheduleLogPath({ chore: "billing/purge", at: "2026-12-06T10:00:00Z", runId: "", attempt: 1 })).not.toBe(
      "logs/schedules/billing/purge/2026/12/06.md",
    );
  });

  it("never lets a chore or run name leave logs/schedules", () => {
    expect(scheduleDigestPath({ chore: "../../.github/workflows", at: "2026-12-06T10:00:00Z" })).toBe(
      "logs/schedules/%2E./%2E./%2Egithub/workflows/2026/12/06.md",
    );
    expect(scheduleLogPath({ chore: "x", at: "2026-12-06T10:00:00Z", runId: "../../../evil", attempt: 1 })).toBe(
      "logs/schedules/x/2026/12/06-%2E.%2F..%2F..%2Fevil.md",
    );
    expect(() => scheduleDigestPath({ chore: "x", at: "2026-12-06 10:00" })).toThrow(RangeError);
  });

  it("says in the front matter and summary that the run ran on its schedule, which occurrence and which try, and names no person", () => {
    const log = renderRunLog(runLogInput({ trigger: "schedule", chore: scheduled(2), pullRequest: null, approvedBy: [] }));
    const front = parse(log.split("---\n")[1]!) as Record<string, unknown>;
    expect(front).toMatchObject({
      trigger: "schedule",
      chore: "billing/purge",
      scheduler: "sched-acme.shop-billing-purge-1a2b3c4d",
      occurrence: "2026-12-06T23:59:00.000Z",
      schedule_attempt: 2,
      schedule_attempts: 3,
    });
    expect(front).not.toHaveProperty("requested_by");
    expect(log).toContain("Run on its schedule, for the occurrence of 2026-12-06T23:59:00.000Z, try 2 of 3 (chore billing/purge");
    expect(log).not.toContain("@schedule");
  });
});
