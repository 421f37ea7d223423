import type { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Queues } from "../../../src/pipeline/queues.js";
import type { OccurrenceRuns } from "../../../src/schedules/schedule-types.js";
import { refOf } from "../../../src/schedules/schedules.js";
import { ChoreRuns } from "../../../src/stores/chore-runs.js";
import { RunInputs } from "../../../src/stores/run-inputs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { openAll, PREFIX, schedule, scheduledEntry, TestCatalog, testOccurrenceRuns } from "./schedules-fixtures.js";

const REF = refOf("acme", "shop", "purge");
const OCCURRENCE = Date.parse("2026-12-06T03:00:00.000Z");

describe("OccurrenceRuns", () => {
  let server: TestRedis;
  let redis: Redis;
  let queues: Queues;
  let catalog: TestCatalog;
  let inputs: RunInputs;
  let history: ChoreRuns;
  let runs: OccurrenceRuns;

  beforeAll(async () => {
    server = await startRedis();
    ({ redis, queues } = openAll(server));
    inputs = new RunInputs(redis, PREFIX);
    history = new ChoreRuns(redis, PREFIX);
  });
  beforeEach(async () => {
    await redis.flushall();
    catalog = new TestCatalog();
    runs = testOccurrenceRuns({ catalog, redis, queues, inputs, history });
  });
  afterAll(async () => {
    await queues?.close();
    redis?.disconnect();
    await server?.stop();
  });

  const retrying = () =>
    catalog.set("acme", "shop", [
      scheduledEntry("purge", schedule({ retries: { attempts: 3, backoff: "fixed", delayMs: 60_000 }, inputs: { days: 30 } }), {
        days: { type: "int", required: false },
      }),
    ]);

  it("queues a retry as its own run, starting after its delay, with the newest indexed version", async () => {
    retrying();
    expect(await runs.queue(REF, { occurrenceMs: OCCURRENCE, attempt: 2 }, 60_000)).toEqual({ runId: `${REF.schedulerId}-${OCCURRENCE}-try-2` });
    const job = await queues.byName.process.getJob(`${REF.schedulerId}-${OCCURRENCE}-try-2`);
    expect(await job?.getState()).toBe("delayed");
    expect(job?.opts.delay).toBe(60_000);
    expect(job?.data.target.commit).toBe(catalog.current.get("acme/shop")!.chores[0]!.runnable!.commit);
    expect(job?.data.target.chore?.request.schedule).toMatchObject({ attempt: 2, occurrenceMs: OCCURRENCE });
  });

  it("refuses a try beyond the schedule's attempts, a chore without a schedule, and a chore gone", async () => {
    retrying();
    expect(await runs.queue(REF, { occurrenceMs: OCCURRENCE, attempt: 4 }, 0)).toEqual({ refused: expect.stringMatching(/no such try/) });
    catalog.set("acme", "shop", [scheduledEntry("purge", null)]);
    expect(await runs.queue(REF, { occurrenceMs: OCCURRENCE, attempt: 1 }, 0)).toEqual({ refused: expect.stringMatching(/declares no schedule/) });
    catalog.set("acme", "shop", []);
    expect(await runs.queue(REF, { occurrenceMs: OCCURRENCE, attempt: 1 }, 0)).toEqual({ refused: expect.stringMatching(/no longer a chore/) });
    expect(await queues.byName.process.getJobCounts("wait", "delayed")).toEqual({ wait: 0, delayed: 0 });
  });

  it("stores a try's inputs and history once: asked again after its inputs were dropped, it queues and stores nothing", async () => {
    retrying();
    const runId = `${REF.schedulerId}-${OCCURRENCE}`;
    await runs.queue(REF, { occurrenceMs: OCCURRENCE, attempt: 1 }, 0);
    // Recorded: cleanup drops the run's raw inputs.
    await inputs.drop(runId);
    expect(await runs.queue(REF, { occurrenceMs: OCCURRENCE, attempt: 1 }, 0)).toEqual({ runId });
    expect(await inputs.load(runId)).toBeNull();
    expect(await history.recent("acme", "shop", "purge", 10)).toEqual([runId]);
    expect(await queues.byName.process.getJobCounts("wait")).toEqual({ wait: 1 });
  });
});
