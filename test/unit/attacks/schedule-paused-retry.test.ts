import type { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Queues } from "../../../src/pipeline/queues.js";
import { processJobId, scheduledRunId } from "../../../src/pipeline/run-id.js";
import { refOf } from "../../../src/schedules/schedules.js";
import type { ScheduleStates } from "../../../src/stores/schedule-states.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { openAll, schedule, scheduledEntry, TestCatalog, testOccurrenceRuns } from "../schedules/schedules-fixtures.js";

const REF = refOf("acme", "shop", "purge");
const OCCURRENCE = Date.parse("2026-12-06T03:00:00.000Z");

// A person pauses a schedule whose chore keeps failing (it hammers a broken partner, say).
// The try that was running ends after that: its cleanup must not queue the next try.
describe("attack: a retry decided after the schedule was paused", () => {
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

  it("queues no try of a paused schedule, and answers a try queued before the pause with its id", async () => {
    const catalog = new TestCatalog();
    catalog.set("acme", "shop", [scheduledEntry("purge", schedule({ retries: { attempts: 3, backoff: "fixed", delayMs: 60_000 } }))]);
    const runs = testOccurrenceRuns({ catalog, redis, queues }, { paused: async (schedulerId) => (await states.read(schedulerId)).paused });
    expect(await runs.queue(REF, { occurrenceMs: OCCURRENCE, attempt: 2 }, 60_000)).toEqual({ runId: scheduledRunId(REF.schedulerId, OCCURRENCE, 2) });

    await states.pause(REF.schedulerId, "alice", new Date().toISOString());

    const third = await runs.queue(REF, { occurrenceMs: OCCURRENCE, attempt: 3 }, 60_000);
    expect(third).toEqual({ refused: expect.stringMatching(/paused by alice/) });
    expect(await queues.byName.process.getJob(processJobId(scheduledRunId(REF.schedulerId, OCCURRENCE, 3)))).toBeUndefined();
    // The same cleanup run again (BullMQ retried it) gets the same answer for the try it queued before.
    expect(await runs.queue(REF, { occurrenceMs: OCCURRENCE, attempt: 2 }, 60_000)).toEqual({ runId: scheduledRunId(REF.schedulerId, OCCURRENCE, 2) });
  });
});
