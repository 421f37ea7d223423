import { Job } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { withFormat } from "../../../src/pipeline/job-format.js";
import type { Queues } from "../../../src/pipeline/queues.js";
import { processJobId, scheduledRunId } from "../../../src/pipeline/run-id.js";
import type { ScheduleTriggerData } from "../../../src/schedules/schedule-types.js";
import { refOf } from "../../../src/schedules/schedules.js";
import type { TriggerResult } from "../../../src/schedules/trigger-step.js";
import { ChoreRuns } from "../../../src/stores/chore-runs.js";
import { RunInputs } from "../../../src/stores/run-inputs.js";
import type { ScheduleStates } from "../../../src/stores/schedule-states.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { openAll, PREFIX, schedule, scheduledEntry, TestCatalog, testOccurrenceRuns, testTriggerStep } from "../schedules/schedules-fixtures.js";

// Attack: the dashboard lets an operator clean completed jobs and retry failed ones. A trigger
// that failed after it queued its run (a worker killed between the two, Redis erring on the
// job's completion) stays in the failed list for days; once the run's own jobs are cleaned (or
// gone with retention), retrying that trigger must not run the occurrence a second time.
const REF = refOf("acme", "shop", "purge");
const ID = REF.schedulerId;

describe("a trigger delivered again after its occurrence's run ended and its jobs went", () => {
  let server: TestRedis;
  let redis: Redis;
  let queues: Queues;
  let states: ScheduleStates;
  let catalog: TestCatalog;
  let history: ChoreRuns;
  let step: (job: Job<ScheduleTriggerData>, token?: string) => Promise<TriggerResult>;

  beforeAll(async () => {
    server = await startRedis();
    ({ redis, queues, states } = openAll(server));
    history = new ChoreRuns(redis, PREFIX);
  });
  beforeEach(async () => {
    await redis.flushall();
    catalog = new TestCatalog();
    const inputs = new RunInputs(redis, PREFIX);
    const runs = testOccurrenceRuns({ catalog, redis, queues, inputs, history });
    step = testTriggerStep({ catalog, redis, queues, states, runs, pollMs: 100 });
  });
  afterAll(async () => {
    await queues?.close();
    redis?.disconnect();
    await server?.stop();
  });

  const trigger = (ms: number) =>
    new Job<ScheduleTriggerData>(
      queues.byName.schedule,
      "purge",
      withFormat({ owner: "acme", repo: "shop", chore: "purge" }),
      { repeatJobKey: ID },
      `repeat:${ID}:${ms}`,
    );
  /** The run ended (its cleanup freed the turn) and its jobs were cleaned from the dashboard or by retention. */
  const endAndSweep = async (runId: string) => {
    await states.releaseTurn(ID, runId);
    for (const queue of ["cleanup", "execute", "process"] as const) await queues.byName[queue].remove(runId);
  };

  it("queues no second run of the occurrence (a daily schedule: no later occurrence went on meanwhile)", async () => {
    catalog.set("acme", "shop", [scheduledEntry("purge", schedule({ cron: "0 3 * * *", everyMs: null }))]);
    const occurrence = Date.now() - 1_000;
    const runId = scheduledRunId(ID, occurrence, 1);
    expect(await step(trigger(occurrence))).toEqual({ occurrenceMs: occurrence, runId });
    await endAndSweep(runId);

    // The operator retries the failed trigger.
    const again = await step(trigger(occurrence));

    expect(await queues.byName.process.getJob(processJobId(runId))).toBeUndefined();
    expect(await history.recent("acme", "shop", "purge", 10)).toEqual([runId]);
    expect((await states.read(ID)).running).toBeNull();
    expect(again).toEqual({ occurrenceMs: occurrence, runId });
  });

  it("still queues the run when the trigger is tried again before it was queued (a worker killed mid-trigger)", async () => {
    catalog.set("acme", "shop", [scheduledEntry("purge", schedule())]);
    const occurrence = Date.now() - 1_000;
    const runId = scheduledRunId(ID, occurrence, 1);
    // The killed try claimed the occurrence and took the turn, then died before queueing.
    expect(await states.claimOccurrence(ID, occurrence)).toBe(true);
    expect(await states.takeTurn(ID, runId)).toBe(runId);

    expect(await step(trigger(occurrence))).toEqual({ occurrenceMs: occurrence, runId });
    expect(await queues.byName.process.getJob(processJobId(runId))).toBeDefined();
    expect(await history.recent("acme", "shop", "purge", 10)).toEqual([runId]);
  });
});

describe("the next occurrence while the previous one's trigger is queueing its run", () => {
  let server: TestRedis;
  let redis: Redis;
  let queues: Queues;
  let states: ScheduleStates;
  let catalog: TestCatalog;
  let step: (job: Job<ScheduleTriggerData>, token?: string) => Promise<TriggerResult>;

  beforeAll(async () => {
    server = await startRedis();
    ({ redis, queues, states } = openAll(server));
  });
  beforeEach(async () => {
    await redis.flushall();
    catalog = new TestCatalog();
    const history = new ChoreRuns(redis, PREFIX);
    const inputs = new RunInputs(redis, PREFIX);
    const runs = testOccurrenceRuns({ catalog, redis, queues, inputs, history });
    step = testTriggerStep({ catalog, redis, queues, states, runs, pollMs: 100 });
  });
  afterAll(async () => {
    await queues?.close();
    redis?.disconnect();
    await server?.stop();
  });

  const trigger = (ms: number) =>
    new Job<ScheduleTriggerData>(
      queues.byName.schedule,
      "purge",
      withFormat({ owner: "acme", repo: "shop", chore: "purge" }),
      { repeatJobKey: ID },
      `repeat:${ID}:${ms}`,
    );

  // Attack: the turn is taken before the run is queued (catalog read, schedule judged, inputs
  // stored, flow added). A later occurrence arriving in between (the waiter of overlap queue
  // getting the turn as the next occurrence fires, a slow Redis) found a holder with no run in
  // Redis, took it for stale and took the turn over: both occurrences ran at once.
  it("is skipped (overlap skip), not run beside it", async () => {
    catalog.set("acme", "shop", [scheduledEntry("purge", schedule())]);
    const first = Date.now() - 2_000;
    // The first occurrence's trigger claimed it and took the turn; its run is not queued yet.
    expect(await states.claimOccurrence(ID, first)).toBe(true);
    expect(await states.takeTurn(ID, scheduledRunId(ID, first, 1))).toBe(scheduledRunId(ID, first, 1));

    expect(await step(trigger(first + 2_000))).toMatchObject({ skipped: expect.stringMatching(/still goes/) });
    expect(await queues.byName.process.getJob(processJobId(scheduledRunId(ID, first + 2_000, 1)))).toBeUndefined();
    expect((await states.read(ID)).running).toBe(scheduledRunId(ID, first, 1));
  });

  it("takes the turn over once that trigger had minutes to queue its run and did not (killed for good)", async () => {
    catalog.set("acme", "shop", [scheduledEntry("purge", schedule())]);
    const first = Date.now() - 2_000;
    await states.claimOccurrence(ID, first);
    await states.takeTurn(ID, scheduledRunId(ID, first, 1));
    // Taken ten minutes ago (the state's own field, as Redis's clock wrote it).
    await redis.hset(`${PREFIX}:schedule:${ID}`, "runningSince", String(Date.now() - 10 * 60_000));

    expect(await step(trigger(first + 2_000))).toEqual({ occurrenceMs: first + 2_000, runId: scheduledRunId(ID, first + 2_000, 1) });
    expect((await states.read(ID)).running).toBe(scheduledRunId(ID, first + 2_000, 1));
  });
});

describe("a worker whose clock runs ahead", () => {
  let server: TestRedis;
  let redis: Redis;
  let queues: Queues;
  let states: ScheduleStates;
  let catalog: TestCatalog;
  let step: (job: Job<ScheduleTriggerData>, token?: string) => Promise<TriggerResult>;

  beforeAll(async () => {
    server = await startRedis();
    ({ redis, queues, states } = openAll(server));
  });
  beforeEach(async () => {
    await redis.flushall();
    catalog = new TestCatalog();
    const history = new ChoreRuns(redis, PREFIX);
    const inputs = new RunInputs(redis, PREFIX);
    const runs = testOccurrenceRuns({ catalog, redis, queues, inputs, history });
    step = testTriggerStep({ catalog, redis, queues, states, runs, pollMs: 100 });
  });
  afterEach(() => vi.useRealTimers());
  afterAll(async () => {
    await queues?.close();
    redis?.disconnect();
    await server?.stop();
  });

  // Attack: with catchUp none, an occurrence later than its grace (5 s to 5 min) counts as missed
  // while no worker ran, and is skipped. Late was measured on the worker's own clock: a worker
  // whose clock ran a minute ahead skipped every occurrence of a schedule it triggered on time.
  it("runs an occurrence on time with catchUp none, late only by its own clock", async () => {
    catalog.set("acme", "shop", [scheduledEntry("purge", schedule({ everyMs: 10_000, catchUp: "none" }))]);
    const [seconds, micros] = await redis.time();
    const occurrence = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(occurrence + 60_000);
    const trigger = new Job<ScheduleTriggerData>(
      queues.byName.schedule,
      "purge",
      withFormat({ owner: "acme", repo: "shop", chore: "purge" }),
      { repeatJobKey: ID },
      `repeat:${ID}:${occurrence}`,
    );

    expect(await step(trigger)).toEqual({ occurrenceMs: occurrence, runId: scheduledRunId(ID, occurrence, 1) });
  });
});
