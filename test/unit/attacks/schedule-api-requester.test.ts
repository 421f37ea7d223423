import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatusReader } from "../../../src/api/run-status-reader.js";
import type { Queues } from "../../../src/pipeline/queues.js";
import { refOf } from "../../../src/schedules/schedules.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { openAll, schedule, scheduledEntry, TestCatalog, testOccurrenceRuns } from "../schedules/schedules-fixtures.js";

// A scheduled run is asked for by nobody. The run log leaves requested_by out and the result
// webhook sends null; /api/runs said "schedule", a login anyone may hold on GitHub, so a
// system reading the API (an audit, a "who ran what" report) credited that account.
describe("attack: who /api/runs says asked for a scheduled run", () => {
  let server: TestRedis;
  let redis: Redis;
  let queues: Queues;

  beforeAll(async () => {
    server = await startRedis();
    ({ redis, queues } = openAll(server));
  });
  afterAll(async () => {
    await queues?.close();
    redis?.disconnect();
    await server?.stop();
  });

  it("names nobody: requested_by null, trigger schedule, with its occurrence and try", async () => {
    const catalog = new TestCatalog();
    catalog.set("acme", "shop", [scheduledEntry("purge", schedule())]);
    const runs = testOccurrenceRuns({ catalog, redis, queues });
    const occurrenceMs = Date.parse("2026-12-06T03:00:00.000Z");
    const queued = await runs.queue(refOf("acme", "shop", "purge"), { occurrenceMs, attempt: 1 }, 0);
    if (!("runId" in queued)) throw new Error(queued.refused);

    const view = await new RunStatusReader({ queues: queues.byName, redis }).get(queued.runId);

    expect(view).toMatchObject({
      trigger: "schedule",
      requested_by: null,
      chore: "purge",
      schedule: { occurrence_at: "2026-12-06T03:00:00.000Z", attempt: 1 },
    });
  });
});
