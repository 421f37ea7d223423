import type { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Queues } from "../../../src/pipeline/queues.js";
import { schedulerIdOf } from "../../../src/pipeline/run-id.js";
import { Schedules } from "../../../src/schedules/schedules.js";
import type { ScheduleStates } from "../../../src/stores/schedule-states.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { LIMITS, openAll, PREFIX, schedule, scheduledEntry, silent, TestCatalog, TestDigest } from "../schedules/schedules-fixtures.js";

// Attack: `every: "1.1h"` is 3960000.0000000005 ms (floating point), `every: 3600.0005` (seconds) too: durations with a fraction
// of a millisecond. BullMQ keeps a whole number of milliseconds, so the scheduler read back never
// equalled the one wanted: every push to the repository upserted it again, and an upserted
// interval fires at once (an hourly chore ran again with each push).
const ID = schedulerIdOf({ owner: "acme", repo: "shop", chore: "sync" });

describe("an interval with a fraction of a millisecond", () => {
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

  it("is left alone by the next push's reconcile: no upsert, no trigger added", async () => {
    // `every: "1.1h"`, as parseDuration reads it.
    const hourly = schedule({ everyMs: 1.1 * 3_600_000 });
    expect(hourly.everyMs).not.toBe(3_960_000);
    expect((await schedules.reconcile(catalog.set("acme", "shop", [scheduledEntry("sync", hourly)]))).added).toEqual([ID]);
    const before = (await queues.byName.schedule.getJobs(["wait", "delayed"])).map((job) => job.id);

    // Another push: the chore's schedule did not change.
    const summary = await schedules.reconcile(catalog.set("acme", "shop", [scheduledEntry("sync", hourly)], "b".repeat(40)));

    expect(summary).toMatchObject({ added: [], updated: [], unchanged: [ID] });
    expect((await queues.byName.schedule.getJobs(["wait", "delayed"])).map((job) => job.id)).toEqual(before);
    expect(await queues.byName.schedule.getJobScheduler(ID)).toMatchObject({ every: 3_960_000 });
  });
});
