import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderDigest } from "../../../src/schedules/render-digest.js";
import type { DigestRow, ScheduleRef } from "../../../src/schedules/schedule-types.js";
import { ScheduleDigests } from "../../../src/stores/schedule-digests.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const REF: ScheduleRef = { owner: "acme", repo: "shop", chore: "sync", schedulerId: "sched-acme.shop-sync-1a2b3c4d" };

// A try that ends more than three days after its occurrence (a retry of its cleanup from the
// dashboard, a worker back after days) lands in the digest of the day it arrives on. Shown by
// its time of day only, it read as an occurrence of that day: the record said the schedule
// ran at a time it did not.
describe("attack: a row of another day in a digest", () => {
  let server: TestRedis;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis({ host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it("shows the date of an occurrence (and a start) that is not of the digest's day", async () => {
    const digests = new ScheduleDigests(redis, "{late-rows}", () => Date.parse("2026-12-10T08:00:00Z"));
    const late: DigestRow = {
      occurrence: "2026-12-06T03:00:00.000Z",
      runId: `${REF.schedulerId}-1796526000000`,
      attempt: 1,
      status: "failed",
      startedAt: "2026-12-06T03:00:01.000Z",
      durationMs: 1000,
      counters: {},
      result: null,
      note: null,
      logPath: null,
    };
    const today: DigestRow = {
      ...late,
      occurrence: "2026-12-10T07:00:00.000Z",
      runId: `${REF.schedulerId}-1796886000000`,
      startedAt: "2026-12-11T00:00:02.000Z",
    };
    await digests.add(REF, late);
    await digests.add(REF, today);
    const stored = await digests.read(REF.schedulerId, "2026-12-10");
    expect(stored!.rows).toHaveLength(2);

    const lines = renderDigest({ ...stored!, path: "logs/schedules/sync/2026/12/10.md" })
      .split("\n")
      .filter((line) => line.startsWith("| ") && !line.startsWith("| occurrence"));
    expect(lines[0]).toMatch(/^\| 2026-12-06 03:00:00 \| 1 \| .* \| 2026-12-06 03:00:01 \|/);
    expect(lines[1]).toMatch(/^\| 07:00:00 \| 1 \| .* \| 2026-12-11 00:00:02 \|/);
  });
});
