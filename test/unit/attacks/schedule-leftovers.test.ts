import { Job } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { withFormat } from "../../../src/pipeline/job-format.js";
import type { Queues } from "../../../src/pipeline/queues.js";
import type { ScheduleTriggerData } from "../../../src/schedules/schedule-types.js";
import { refOf, Schedules } from "../../../src/schedules/schedules.js";
import { ChoreRuns } from "../../../src/stores/chore-runs.js";
import { RunInputs } from "../../../src/stores/run-inputs.js";
import type { ScheduleStates } from "../../../src/stores/schedule-states.js";
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
} from "../schedules/schedules-fixtures.js";

// Attack (Redis growth): schedule chores with awkward names, pause one, trigger them, make one
// invalid, then rename, remove and uninstall. Nothing of a schedule may stay in Redis once it
// is gone but its trigger jobs' own bounded retention (and the runs it queued, with theirs).
const NAMES = ["digest", "a/b", "a-b", "a:b", "ünï/cödé", "x".repeat(300)];

describe("what a schedule leaves in Redis once it is gone", () => {
  let server: TestRedis;
  let redis: Redis;
  let queues: Queues;
  let states: ScheduleStates;
  let catalog: TestCatalog;
  let schedules: Schedules;

  beforeAll(async () => {
    server = await startRedis();
    ({ redis, queues, states } = openAll(server));
  });
  beforeEach(async () => {
    await redis.flushall();
    catalog = new TestCatalog();
    schedules = new Schedules({ queue: queues.byName.schedule, redis, prefix: PREFIX, states, catalog, limits: LIMITS, digest: new TestDigest(), log: silent });
  });
  afterAll(async () => {
    await queues?.close();
    redis?.disconnect();
    await server?.stop();
  });

  /** Keys that name one of the scheduler ids (or, with `repository`, the repository), but the jobs' and their runs' own (retention bounds those). */
  async function leftovers(ids: string[], repository = false): Promise<string[]> {
    const keys = await redis.keys("*");
    return keys.filter(
      (key) =>
        (ids.some((id) => key.includes(id)) || (repository && key.includes("acme/shop"))) && !/:(process|execute|cleanup):sched-|:run-inputs:sched-/.test(key),
    );
  }

  it("distinct schedulers for look-alike names, and nothing left after a rename, a removal and an uninstall", async () => {
    const ids = NAMES.map((name) => refOf("acme", "shop", name).schedulerId);
    expect(new Set(ids).size).toBe(NAMES.length);
    const summary = await schedules.reconcile(
      catalog.set(
        "acme",
        "shop",
        NAMES.map((name) => scheduledEntry(name, schedule({ everyMs: 60_000 }))),
      ),
    );
    expect(summary.added.sort()).toEqual([...ids].sort());
    // Each scheduler's trigger names its own chore.
    for (const [i, id] of ids.entries()) expect((await queues.byName.schedule.getJobScheduler(id))?.template?.data).toMatchObject({ chore: NAMES[i] });

    // A pause, triggers that queue runs, a waiting mark, an invalid schedule reported.
    await schedules.pause(refOf("acme", "shop", "a/b"), "alice");
    const inputs = new RunInputs(redis, PREFIX);
    const history = new ChoreRuns(redis, PREFIX);
    const runs = testOccurrenceRuns({ catalog, redis, queues, inputs, history });
    const step = testTriggerStep({ catalog, redis, queues, states, runs });
    for (const [i, id] of ids.entries()) {
      const job = new Job<ScheduleTriggerData>(
        queues.byName.schedule,
        NAMES[i]!,
        withFormat({ owner: "acme", repo: "shop", chore: NAMES[i]! }),
        { repeatJobKey: id },
        `repeat:${id}:${Date.now()}`,
      );
      await step(job);
    }
    await schedules.reconcile(
      catalog.set(
        "acme",
        "shop",
        [...NAMES.slice(1).map((name) => scheduledEntry(name, schedule({ everyMs: 60_000 }))), scheduledEntry("digest", schedule({ everyMs: 1 }))],
        "b".repeat(40),
      ),
    );

    // "a-b" renamed, "a:b" removed.
    const renamed = refOf("acme", "shop", "renamed").schedulerId;
    await schedules.reconcile(
      catalog.set(
        "acme",
        "shop",
        NAMES.filter((name) => name !== "a-b" && name !== "a:b")
          .map((name) => scheduledEntry(name, schedule({ everyMs: 60_000 })))
          .concat(scheduledEntry("renamed", schedule())),
        "c".repeat(40),
      ),
    );
    expect(await leftovers([ids[2]!, ids[3]!])).toEqual([]);
    expect(await queues.byName.schedule.getJobScheduler(ids[2]!)).toBeUndefined();

    // Uninstalled.
    await schedules.removeRepository("acme", "shop");
    expect(await leftovers([...ids, renamed], true)).toEqual([]);
    expect(await queues.byName.schedule.getJobSchedulersCount()).toBe(0);
    expect(await queues.byName.schedule.getJobs(["wait", "delayed", "prioritized"])).toEqual([]);
  });
});
