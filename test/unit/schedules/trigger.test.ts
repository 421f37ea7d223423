import { Job, QueueEvents, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunJobData } from "../../../src/pipeline/job-data.js";
import { withFormat } from "../../../src/pipeline/job-format.js";
import { redisConnection, type Queues } from "../../../src/pipeline/queues.js";
import { processJobId, scheduledRunId } from "../../../src/pipeline/run-id.js";
import type { ScheduleTriggerData } from "../../../src/schedules/schedule-types.js";
import { refOf, Schedules } from "../../../src/schedules/schedules.js";
import { occurrenceOf, type TriggerResult } from "../../../src/schedules/trigger-step.js";
import type { ScheduleDescription } from "../../../src/sdk/protocol.js";
import { ChoreRuns } from "../../../src/stores/chore-runs.js";
import { ParkedRuns } from "../../../src/stores/parked-runs.js";
import { RunInputs } from "../../../src/stores/run-inputs.js";
import type { ScheduleStates } from "../../../src/stores/schedule-states.js";
import { parkedRecord } from "../../helpers/parked-record.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import {
  LIMITS,
  openAll,
  PREFIX,
  schedule,
  scheduledEntry,
  silent,
  TestCatalog,
  TestDigest,
  testOccurrenceRuns,
  testTriggerStep,
} from "./schedules-fixtures.js";

const REF = refOf("acme", "shop", "purge");
const ID = REF.schedulerId;
// A minute ago, on a 2 s grid: late enough to be missed, whatever the grace.
const T0 = Math.floor((Date.now() - 60_000) / 2_000) * 2_000;

describe("the schedule queue's trigger step", () => {
  let server: TestRedis;
  let redis: Redis;
  let queues: Queues;
  let states: ScheduleStates;
  let catalog: TestCatalog;
  let digest: TestDigest;
  let inputs: RunInputs;
  let history: ChoreRuns;
  let step: (job: Job<ScheduleTriggerData>, token?: string) => Promise<TriggerResult>;

  beforeAll(async () => {
    server = await startRedis();
    ({ redis, queues, states } = openAll(server));
    inputs = new RunInputs(redis, PREFIX);
    history = new ChoreRuns(redis, PREFIX);
  });
  beforeEach(async () => {
    await redis.flushall();
    catalog = new TestCatalog();
    digest = new TestDigest();
    step = makeStep(100);
  });
  afterAll(async () => {
    await queues?.close();
    redis?.disconnect();
    await server?.stop();
  });

  function makeStep(pollMs: number) {
    const runs = testOccurrenceRuns({ catalog, redis, queues, inputs, history });
    return testTriggerStep({ catalog, redis, queues, states, digest, runs, pollMs });
  }
  const scheduled = (more: Partial<ScheduleDescription> = {}) =>
    catalog.set("acme", "shop", [scheduledEntry("purge", schedule(more), { limit: { type: "int", required: false }, dry: { type: "bool", required: false } })]);
  /** The trigger job a scheduler makes for the occurrence at `ms` (not stored: the step reads its id and data). */
  const trigger = (ms: number, schedulerId = ID) =>
    new Job<ScheduleTriggerData>(
      queues.byName.schedule,
      "purge",
      withFormat({ owner: "acme", repo: "shop", chore: "purge" }),
      { repeatJobKey: schedulerId },
      `repeat:${schedulerId}:${ms}`,
    );
  const runOf = async (ms: number, attempt = 1) => Job.fromId<RunJobData>(queues.byName.process, processJobId(scheduledRunId(ID, ms, attempt)));

  it("reads the occurrence from the scheduler's job id, and nothing from a job no scheduler of the chore made", () => {
    expect(occurrenceOf({ id: `repeat:${ID}:1796568101000`, repeatJobKey: ID }, ID)).toBe(1796568101000);
    expect(occurrenceOf({ id: `repeat:${ID}:1796568101000`, repeatJobKey: undefined }, ID)).toBeNull();
    expect(occurrenceOf({ id: `repeat:sched-other:1796568101000`, repeatJobKey: "sched-other" }, ID)).toBeNull();
    expect(occurrenceOf({ id: `repeat:${ID}:soon`, repeatJobKey: ID }, ID)).toBeNull();
  });

  it("queues the occurrence's run under <scheduler>-<ms> with the schedule's inputs, once however often the trigger is delivered", async () => {
    scheduled({ inputs: { limit: 500, dry: false } });
    const now = Date.now();
    const [a, b] = await Promise.all([step(trigger(now)), step(trigger(now))]);
    expect(a).toEqual({ occurrenceMs: now, runId: `${ID}-${now}` });
    expect(b).toEqual(a);
    expect(await step(trigger(now))).toEqual(a);
    const run = await runOf(now);
    expect(run?.data.target.chore?.request).toMatchObject({
      trigger: "schedule",
      requestedBy: "schedule",
      inputs: { limit: 500, dry: false },
      schedule: { schedulerId: ID, occurrenceMs: now, attempt: 1, schedule: { everyMs: 2_000 } },
    });
    expect((await inputs.load(`${ID}-${now}`))?.values).toEqual({ limit: "500", dry: "false" });
    expect(await history.recent("acme", "shop", "purge", 10)).toEqual([`${ID}-${now}`]);
    expect(await queues.byName.process.getJobCounts("wait", "waiting-children", "delayed")).toMatchObject({ wait: 1 });
    expect((await states.read(ID)).running).toBe(`${ID}-${now}`);
  });

  it("drops an older occurrence arriving after a newer one went on", async () => {
    scheduled();
    const now = Date.now();
    await step(trigger(now));
    await states.releaseTurn(ID, `${ID}-${now}`);
    expect(await step(trigger(now - 2_000))).toEqual({ dropped: expect.stringMatching(/later occurrence/) });
    expect(await runOf(now - 2_000)).toBeUndefined();
  });

  it("drops a trigger while paused, for a chore gone or no longer scheduled, and one another chore's scheduler made", async () => {
    scheduled();
    const now = Date.now();
    await states.pause(ID, "alice", new Date().toISOString());
    expect(await step(trigger(now))).toEqual({ dropped: "the schedule is paused" });
    await states.resume(ID);
    catalog.set("acme", "shop", [scheduledEntry("purge", null)]);
    expect(await step(trigger(now + 2_000))).toMatchObject({ dropped: expect.stringMatching(/declares no schedule/) });
    catalog.set("acme", "shop", []);
    expect(await step(trigger(now + 4_000))).toMatchObject({ dropped: expect.stringMatching(/no longer a chore/) });
    scheduled();
    expect(await step(trigger(now + 6_000, refOf("acme", "shop", "other").schedulerId))).toMatchObject({ dropped: expect.stringMatching(/not a trigger/) });
    expect(await queues.byName.process.getJobCounts("wait", "delayed")).toEqual({ wait: 0, delayed: 0 });
    expect(digest.rows).toEqual([]);
  });

  it("after an outage runs the missed occurrence with catchUp latest, and records it skipped with catchUp none", async () => {
    scheduled({ catchUp: "latest" });
    expect(await step(trigger(T0))).toEqual({ occurrenceMs: T0, runId: `${ID}-${T0}` });
    await states.releaseTurn(ID, `${ID}-${T0}`);
    scheduled({ catchUp: "none" });
    expect(await step(trigger(T0 + 2_000))).toEqual({ occurrenceMs: T0 + 2_000, skipped: "missed while no worker ran (catchUp: none)" });
    expect(await runOf(T0 + 2_000)).toBeUndefined();
    expect(digest.rows).toEqual([
      { ref: REF, row: expect.objectContaining({ occurrence: new Date(T0 + 2_000).toISOString(), status: "skipped", runId: null, attempt: 0 }) },
    ]);
    expect(await states.runCounts()).toEqual({ skipped: 1 });
    // On time, catchUp none runs it.
    const now = Date.now();
    expect(await step(trigger(now))).toMatchObject({ runId: `${ID}-${now}` });
  });

  it("skips an occurrence while the previous one's run still goes (overlap skip), and runs nothing twice", async () => {
    scheduled();
    const first = Date.now() - 2_000;
    await step(trigger(first));
    const second = await step(trigger(first + 2_000));
    expect(second).toEqual({ occurrenceMs: first + 2_000, skipped: `the run of ${new Date(first).toISOString()} still goes` });
    expect(await runOf(first + 2_000)).toBeUndefined();
    expect(digest.rows.map(({ row }) => row.note)).toEqual([`the run of ${new Date(first).toISOString()} still goes`]);
    expect((await states.read(ID)).running).toBe(`${ID}-${first}`);
    // Delivered again, the skipped occurrence is counted once.
    await step(trigger(first + 2_000));
    expect(await states.runCounts()).toEqual({ skipped: 1 });
  });

  it("takes the turn over from an occurrence whose runs all ended without freeing it (a lost cleanup)", async () => {
    scheduled();
    const first = Date.now() - 2_000;
    await step(trigger(first));
    // Its run ended and went (retention), but its turn was never freed.
    for (const queue of ["cleanup", "execute", "process"] as const) await queues.byName[queue].remove(`${ID}-${first}`);
    expect((await states.read(ID)).running).toBe(`${ID}-${first}`);
    expect(await step(trigger(first + 2_000))).toEqual({ occurrenceMs: first + 2_000, runId: `${ID}-${first + 2_000}` });
    expect((await states.read(ID)).running).toBe(`${ID}-${first + 2_000}`);
    // A holder whose run is still waiting its turn is live: the next occurrence is skipped.
    expect(await step(trigger(first + 4_000))).toMatchObject({ skipped: expect.stringMatching(/still goes/) });
  });

  it("skips an occurrence while the previous one's run is interrupted and waits for a person, and goes on once it is over", async () => {
    scheduled();
    const first = Date.now() - 2_000;
    await step(trigger(first));
    const interrupted = `${ID}-${first}`;
    const parked = new ParkedRuns(redis, PREFIX);
    await parked.park(parkedRecord(interrupted, { repo: "shop", chore: "purge" }));
    const waits = `the run of ${new Date(first).toISOString()} was interrupted and waits for a person's Resume or Roll back`;
    expect(await step(trigger(first + 2_000))).toEqual({ occurrenceMs: first + 2_000, skipped: waits });
    expect(await runOf(first + 2_000)).toBeUndefined();
    // Its last attempt ended (a person cancelled it, say): its record is gone, and so are its jobs.
    await parked.clear(interrupted);
    for (const queue of ["cleanup", "execute", "process"] as const) await queues.byName[queue].remove(interrupted);
    expect(await step(trigger(first + 4_000))).toEqual({ occurrenceMs: first + 4_000, runId: `${ID}-${first + 4_000}` });
  });

  it("with overlap queue, lets one occurrence wait for the turn (skipping any other meanwhile) and runs it once the turn is free", async () => {
    const worker = new Worker("schedule", makeStep(100), { connection: redisConnection(server.url), prefix: PREFIX, concurrency: 1 });
    const events = new QueueEvents("schedule", { connection: redisConnection(server.url), prefix: PREFIX });
    await events.waitUntilReady();
    try {
      const schedules = new Schedules({ queue: queues.byName.schedule, redis, prefix: PREFIX, states, catalog, limits: LIMITS, digest, log: silent });
      const catalogNow = scheduled({ everyMs: 1_000, overlap: "queue" });
      const results: TriggerResult[] = [];
      worker.on("completed", (_job, result: TriggerResult) => results.push(result));
      await schedules.reconcile(catalogNow);
      // The first runs; the next waits; the one after is skipped.
      await until(() => results.some((r) => "skipped" in r));
      const [first] = results as Array<{ occurrenceMs: number; runId: string }>;
      expect(first).toMatchObject({ runId: `${ID}-${first!.occurrenceMs}` });
      const next = `repeat:${ID}:${await schedules.next(REF)}`;
      const waiter = (await queues.byName.schedule.getDelayed()).find((job) => job.id !== next);
      expect(waiter).toBeDefined();
      // Triggers the workers made for later iterations keep the template's bounds on what stays in Redis.
      expect(waiter!.opts).toMatchObject({ removeOnComplete: { age: 24 * 3600, count: 500 }, removeOnFail: { age: 7 * 24 * 3600, count: 500 } });
      expect(results.find((r) => "skipped" in r)).toMatchObject({ skipped: expect.stringMatching(/one occurrence already waits/) });
      // The first run ends (its cleanup frees the turn): the waiting occurrence goes on.
      for (const queue of ["cleanup", "execute", "process"] as const) await queues.byName[queue].remove(first!.runId);
      await states.releaseTurn(ID, first!.runId);
      const waitedMs = occurrenceOf(waiter!, ID)!;
      await until(() => results.some((r) => "runId" in r && r.occurrenceMs === waitedMs));
      await schedules.removeRepository("acme", "shop");
      expect(await runOf(waitedMs)).toBeDefined();
      // Nothing ran twice, nothing but those two ran.
      const ran = results.filter((r): r is { occurrenceMs: number; runId: string } => "runId" in r).map((r) => r.occurrenceMs);
      expect(new Set(ran).size).toBe(ran.length);
      expect(ran.sort()).toEqual([first!.occurrenceMs, waitedMs].sort());
    } finally {
      await worker.close();
      await events.close();
    }
  });
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
