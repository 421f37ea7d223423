import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { scheduledRunId } from "../../../src/pipeline/run-id.js";
import type { ExecutionResult, RunStatus, ScheduledTry } from "../../../src/run-types.js";
import { scheduledRunEnd, type ScheduledRunEndDeps } from "../../../src/schedules/scheduled-run-end.js";
import type { ScheduleRef } from "../../../src/schedules/schedule-types.js";
import { ScheduleDigests } from "../../../src/stores/schedule-digests.js";
import { ScheduleStates } from "../../../src/stores/schedule-states.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { schedule } from "../schedules/schedules-fixtures.js";

const REF: ScheduleRef = { owner: "acme", repo: "shop", chore: "purge", schedulerId: "sched-acme.shop-purge-1a2b3c4d" };
const DAY = "2026-12-06";
const at = (minute: number) => Date.parse(`${DAY}T10:00:00Z`) + minute * 60_000;

// A scheduled try's cleanup that failed for good (the result webhook was down for its six
// tries) frees the turn: later occurrences run and end. A person then retries that cleanup from
// the dashboard, to get the result posted. Its end is not news: it must get the answer it got
// the first time and leave the schedule's streak as the newer ends left it.
describe("attack: the end of an older occurrence recorded again after newer ones", () => {
  let server: TestRedis;
  let redis: Redis;
  let states: ScheduleStates;
  let deps: ScheduledRunEndDeps;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis({ host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null });
  });
  beforeEach(async () => {
    await redis.flushall();
    states = new ScheduleStates(redis, "{late-end}");
    const digests = new ScheduleDigests(redis, "{late-end}", () => Date.parse(`${DAY}T12:00:00Z`));
    deps = { states, digests, occurrences: { queue: async () => ({ refused: "no retries here" }) } };
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  const end = (minute: number, status: RunStatus) => {
    const scheduled: ScheduledTry = { schedulerId: REF.schedulerId, occurrenceMs: at(minute), attempt: 1, schedule: schedule({ everyMs: 60_000 }) };
    const runId = scheduledRunId(REF.schedulerId, at(minute), 1);
    const execution: ExecutionResult = {
      status,
      exitCode: status === "succeeded" ? 0 : 1,
      signal: null,
      startedAt: new Date(at(minute) + 100).toISOString(),
      finishedAt: new Date(at(minute) + 2100).toISOString(),
      durationMs: 2000,
      output: { lines: [], omittedBytes: 0, omittedAt: null },
      message: status === "succeeded" ? null : "the script failed",
    };
    return scheduledRunEnd(deps, { ref: REF, scheduled, runId, runAttempt: 1, execution, logPath: `logs/schedules/purge/2026/12/06-${runId}.md` });
  };

  it("a first failure recorded again after the recovery: same answer, the schedule stays recovered, the next success is no second recovery", async () => {
    expect(await end(0, "failed")).toEqual({ kind: "commit", edge: "first-failure", withDigest: true });
    expect(await end(1, "succeeded")).toEqual({ kind: "commit", edge: "recovery", withDigest: false });

    expect(await end(0, "failed")).toEqual({ kind: "commit", edge: "first-failure", withDigest: true });
    const state = await states.read(REF.schedulerId);
    expect(state.failing).toBe(false);
    expect(state.last).toMatchObject({ runId: expect.stringContaining(String(at(1))), status: "succeeded" });
    // Nothing failed since the recovery: no recovery log again.
    expect(await end(2, "succeeded")).toEqual({ kind: "digest" });
  });

  it("a first failure recorded again while the streak goes on: still its own log (not taken for a failure inside the streak)", async () => {
    expect(await end(0, "failed")).toEqual({ kind: "commit", edge: "first-failure", withDigest: true });
    expect(await end(1, "failed")).toEqual({ kind: "digest" });
    expect(await end(0, "failed")).toEqual({ kind: "commit", edge: "first-failure", withDigest: true });
    expect((await states.read(REF.schedulerId)).last).toMatchObject({ runId: expect.stringContaining(String(at(1))) });
  });
});
