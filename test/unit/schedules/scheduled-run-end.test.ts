import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { scheduledRunId } from "../../../src/pipeline/run-id.js";
import type { ExecutionResult, RunStatus, ScheduledTry } from "../../../src/run-types.js";
import { releaseOccurrence, scheduledRunEnd, type ScheduledRunEndDeps } from "../../../src/schedules/scheduled-run-end.js";
import type { OccurrenceRuns, ScheduleRef } from "../../../src/schedules/schedule-types.js";
import type { ScheduleDescription } from "../../../src/sdk/protocol.js";
import { ScheduleDigests } from "../../../src/stores/schedule-digests.js";
import { ScheduleStates } from "../../../src/stores/schedule-states.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const REF: ScheduleRef = { owner: "acme", repo: "shop", chore: "billing/purge", schedulerId: "sched-acme.shop-billing-purge-1a2b3c4d" };
const SCHEDULE: ScheduleDescription = {
  cron: null,
  everyMs: 60_000,
  timezone: "UTC",
  retries: { attempts: 3, backoff: "exponential", delayMs: 30_000 },
  retryOn: ["failed"],
  overlap: "skip",
  catchUp: "latest",
  inputs: {},
};
const DAY = "2026-12-06";
const at = (minute: number) => Date.parse(`${DAY}T10:00:00Z`) + minute * 60_000;

describe("scheduledRunEnd", () => {
  let server: TestRedis;
  let redis: Redis;
  let states: ScheduleStates;
  let digests: ScheduleDigests;
  let queued: Array<{ occurrenceMs: number; attempt: number; delayMs: number }>;
  let refuse: string | null;
  let deps: ScheduledRunEndDeps;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis({ host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null });
  });
  beforeEach(async () => {
    await redis.flushall();
    states = new ScheduleStates(redis, "{end-test}");
    digests = new ScheduleDigests(redis, "{end-test}", () => Date.parse(`${DAY}T12:00:00Z`));
    queued = [];
    refuse = null;
    // OccurrenceRuns as engineer B's: idempotent per (occurrence, try).
    const occurrences: OccurrenceRuns = {
      async queue(ref, o, delayMs) {
        if (refuse !== null) return { refused: refuse };
        if (!queued.some((q) => q.occurrenceMs === o.occurrenceMs && q.attempt === o.attempt)) queued.push({ ...o, delayMs });
        return { runId: scheduledRunId(ref.schedulerId, o.occurrenceMs, o.attempt) };
      },
    };
    deps = { states, digests, occurrences };
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  const end = (minute: number, attempt: number, status: RunStatus, o: Partial<ExecutionResult> = {}, runAttempt = 1) => {
    const scheduled: ScheduledTry = { schedulerId: REF.schedulerId, occurrenceMs: at(minute), attempt, schedule: SCHEDULE };
    const runId = scheduledRunId(REF.schedulerId, at(minute), attempt);
    const execution: ExecutionResult = {
      status,
      exitCode: status === "succeeded" ? 0 : 1,
      signal: null,
      startedAt: new Date(at(minute) + 100).toISOString(),
      finishedAt: new Date(at(minute) + 2100).toISOString(),
      durationMs: 2000,
      output: { lines: [], omittedBytes: 0, omittedAt: null },
      message: status === "succeeded" ? null : "the script failed: boom",
      ...o,
    };
    return scheduledRunEnd(deps, { ref: REF, scheduled, runId, runAttempt, execution, logPath: `logs/schedules/billing/purge/2026/12/06-${runId}.md` });
  };
  const rows = async () => (await digests.read(REF.schedulerId, DAY))?.rows ?? [];

  it("queues the next try after its backoff while tries remain, then ends the occurrence with the last", async () => {
    expect(await end(0, 1, "failed")).toEqual({ kind: "retried", runId: scheduledRunId(REF.schedulerId, at(0), 2), delayMs: 30_000 });
    expect(await end(0, 2, "failed")).toEqual({ kind: "retried", runId: scheduledRunId(REF.schedulerId, at(0), 3), delayMs: 60_000 });
    expect(queued).toEqual([
      { occurrenceMs: at(0), attempt: 2, delayMs: 30_000 },
      { occurrenceMs: at(0), attempt: 3, delayMs: 60_000 },
    ]);
    // Retried tries do not touch the streak; the last one starts it and is committed.
    expect((await states.read(REF.schedulerId)).failing).toBe(false);
    expect(await end(0, 3, "failed")).toEqual({ kind: "commit", edge: "first-failure", withDigest: true });
    expect((await states.read(REF.schedulerId)).failing).toBe(true);
    expect((await rows()).map((r) => [r.attempt, r.status, r.note, r.logPath !== null])).toEqual([
      [1, "failed", "retried: try 2 of 3 in 30.0 s", false],
      [2, "failed", "retried: try 3 of 3 in 1 min 0 s", false],
      [3, "failed", "first failure", true],
    ]);
    expect(await states.runCounts()).toEqual({ failed: 3 });
  });

  it("gives the same answer and counts once when a cleanup runs again", async () => {
    const first = await end(0, 3, "failed");
    const again = await end(0, 3, "failed");
    expect(again).toEqual(first);
    expect(await end(0, 1, "failed")).toEqual(await end(0, 1, "failed"));
    expect(queued).toHaveLength(1);
    expect(await states.runCounts()).toEqual({ failed: 2 });
    expect(await rows()).toHaveLength(2);
  });

  it("commits a streak's start and end only; failures inside it and successes go to the digest", async () => {
    const kinds = [];
    for (const [minute, status] of [
      [0, "succeeded"],
      [1, "succeeded"],
      [2, "failed"],
      [3, "failed"],
      [4, "succeeded"],
      [5, "succeeded"],
    ] as const) {
      // The last try of each failed occurrence (attempts exhausted).
      const record = await end(minute, status === "failed" ? 3 : 1, status);
      kinds.push(record.kind === "commit" ? record.edge : record.kind);
    }
    expect(kinds).toEqual(["digest", "digest", "first-failure", "digest", "recovery", "digest"]);
    expect((await rows()).map((r) => r.note)).toEqual([null, null, "first failure", "still failing", "recovered", null]);
    expect((await states.read(REF.schedulerId)).lastSuccessAt).toBe(new Date(at(5) + 2100).toISOString());
  });

  it("records a person's re-run of a try (from the dashboard) as an end of its own", async () => {
    expect(await end(0, 3, "failed")).toMatchObject({ kind: "commit", edge: "first-failure" });
    expect(await end(0, 3, "succeeded", {}, 2)).toMatchObject({ kind: "commit", edge: "recovery" });
    expect((await rows()).map((r) => [r.runId, r.status])).toEqual([
      [scheduledRunId(REF.schedulerId, at(0), 3), "failed"],
      [`${scheduledRunId(REF.schedulerId, at(0), 3)}-attempt-2`, "succeeded"],
    ]);
    expect(await states.runCounts()).toEqual({ failed: 1, succeeded: 1 });
  });

  it("never retries a timeout unless retryOn says so, nor a refused or cancelled try", async () => {
    expect((await end(0, 1, "timed_out")).kind).toBe("commit");
    expect((await end(1, 1, "cancelled")).kind).toBe("digest");
    expect(queued).toEqual([]);
  });

  it("ends the occurrence when its next try cannot be queued (the chore lost its schedule), saying why", async () => {
    refuse = "chore billing/purge declares no schedule any more";
    expect(await end(0, 1, "failed")).toMatchObject({ kind: "commit", edge: "first-failure" });
    expect((await rows())[0]?.note).toBe("not retried: chore billing/purge declares no schedule any more; first failure");
  });

  it("gives a flapping schedule at most 10 logs of its own a day", async () => {
    let commits = 0;
    for (let minute = 0; minute < 60; minute++) {
      const record = await end(minute, minute % 2 === 0 ? 3 : 1, minute % 2 === 0 ? "failed" : "succeeded");
      if (record.kind === "commit") commits++;
    }
    expect(commits).toBe(10);
    const all = await rows();
    expect(all).toHaveLength(60);
    expect(all.filter((r) => r.logPath !== null)).toHaveLength(10);
    expect(all.at(-1)?.note).toMatch(/not committed on its own/);
  });

  it("keeps the script's counters (numbers only) and its result, or the failure's message", async () => {
    await end(0, 1, "succeeded", {
      report: {
        inputs: null,
        counters: { purged: 4, secret: "[REDACTED]" },
        progress: null,
        result: { purged: 4 },
        failReason: null,
        logs: [],
        droppedLogs: 0,
        rejectedLines: 0,
      },
    });
    await end(1, 3, "failed");
    const [ok, failed] = await rows();
    expect(ok).toMatchObject({ counters: { purged: 4 }, result: '{"purged":4}' });
    expect(failed).toMatchObject({ counters: {}, result: "the script failed: boom" });
  });

  it("frees the schedule's turn held by the occurrence's first try, and no other holder's", async () => {
    const scheduled: ScheduledTry = { schedulerId: REF.schedulerId, occurrenceMs: at(0), attempt: 3, schedule: SCHEDULE };
    await states.takeTurn(REF.schedulerId, scheduledRunId(REF.schedulerId, at(0), 1));
    await releaseOccurrence(deps, scheduled);
    expect((await states.read(REF.schedulerId)).running).toBeNull();
    await states.takeTurn(REF.schedulerId, scheduledRunId(REF.schedulerId, at(1), 1));
    await releaseOccurrence(deps, scheduled);
    expect((await states.read(REF.schedulerId)).running).toBe(scheduledRunId(REF.schedulerId, at(1), 1));
  });
});
