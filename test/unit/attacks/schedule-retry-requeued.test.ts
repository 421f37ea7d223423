import type { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Queues } from "../../../src/pipeline/queues.js";
import { processJobId, scheduledRunId } from "../../../src/pipeline/run-id.js";
import { refOf } from "../../../src/schedules/schedules.js";
import { ChoreRuns } from "../../../src/stores/chore-runs.js";
import type { ScheduleStates } from "../../../src/stores/schedule-states.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { openAll, PREFIX, schedule, scheduledEntry, TestCatalog, testOccurrenceRuns } from "../schedules/schedules-fixtures.js";

const REF = refOf("acme", "shop", "purge");
const OCCURRENCE = Date.parse("2026-12-06T03:00:00.000Z");

// Attack: try 1 of an occurrence fails; its cleanup queues try 2, then fails itself (GitHub down
// for its six tries: the failed job stays for failed-job retention). Try 2 runs, ends, and its
// jobs go with the (shorter) retention of completed ones. A person retries the failed cleanup
// from the dashboard: it decides on try 2 again, and queueing it was idempotent only while try
// 2's jobs were in Redis: the chore ran try 2 a second time.
describe("a retry queued again once the try it names has ended and its jobs went", () => {
  let server: TestRedis;
  let redis: Redis;
  let queues: Queues;
  let states: ScheduleStates;

  beforeAll(async () => {
    server = await startRedis();
    ({ redis, queues, states } = openAll(server));
  });
  beforeEach(async () => {
    await redis.flushall();
  });
  afterAll(async () => {
    await queues?.close();
    redis?.disconnect();
    await server?.stop();
  });

  it("is answered with the try's id, and nothing runs again", async () => {
    const catalog = new TestCatalog();
    catalog.set("acme", "shop", [scheduledEntry("purge", schedule({ retries: { attempts: 3, backoff: "fixed", delayMs: 60_000 } }))]);
    const history = new ChoreRuns(redis, PREFIX);
    const runs = testOccurrenceRuns(
      { catalog, redis, queues, history },
      { paused: async (schedulerId) => (await states.read(schedulerId)).paused, tries: states },
    );
    const second = scheduledRunId(REF.schedulerId, OCCURRENCE, 2);
    expect(await runs.queue(REF, { occurrenceMs: OCCURRENCE, attempt: 2 }, 60_000)).toEqual({ runId: second });
    // Try 2 ran and ended; its jobs went.
    for (const queue of ["cleanup", "execute", "process"] as const) await queues.byName[queue].remove(second);

    // Try 1's failed cleanup, retried by a person, decides on try 2 again.
    expect(await runs.queue(REF, { occurrenceMs: OCCURRENCE, attempt: 2 }, 60_000)).toEqual({ runId: second });

    expect(await queues.byName.process.getJob(processJobId(second))).toBeUndefined();
    expect(await history.recent("acme", "shop", "purge", 10)).toEqual([second]);
  });
});
