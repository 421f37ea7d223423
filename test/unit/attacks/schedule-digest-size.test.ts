import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderDigest } from "../../../src/schedules/render-digest.js";
import type { DigestRow, ScheduleRef } from "../../../src/schedules/schedule-types.js";
import { ScheduleDigests } from "../../../src/stores/schedule-digests.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const REF: ScheduleRef = { owner: "acme", repo: "shop", chore: "sync", schedulerId: "sched-acme.shop-sync-1a2b3c4d" };
const DAY = "2026-12-06";
const PATH = "logs/schedules/sync/2026/12/06.md";

// A chore every minute whose counters are named from the data it handles (a customer's
// address, a partner's error text): 20 names each cut to 300 characters still made each row
// of the digest 6 KB, so one schedule's day was a 9 MB Markdown file committed for good
// (and held in Redis for four days), every day.
describe("attack: a day of counters named from data", () => {
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

  it("keeps each row's counters to a few hundred characters: a day of one try a minute is a digest of at most 2 MB", async () => {
    const digests = new ScheduleDigests(redis, "{digest-size}", () => Date.parse(`${DAY}T23:59:59Z`));
    const start = Date.parse(`${DAY}T00:00:00Z`);
    for (let minute = 0; minute < 1440; minute++) {
      const occurrence = new Date(start + minute * 60_000).toISOString();
      const counters = Object.fromEntries(
        Array.from({ length: 20 }, (_, i) => [`${String(i).padStart(2, "0")}-${"customer@example.com ".repeat(30)}-${minute}`, i]),
      );
      const row: DigestRow = {
        occurrence,
        runId: `${REF.schedulerId}-${start + minute * 60_000}`,
        attempt: 1,
        status: "succeeded",
        startedAt: occurrence,
        durationMs: 1200,
        counters,
        result: JSON.stringify("r".repeat(1000)),
        note: null,
        logPath: null,
      };
      await digests.add(REF, row);
    }
    const stored = await digests.read(REF.schedulerId, DAY);
    expect(stored!.rows).toHaveLength(1440);
    const log = renderDigest({ ...stored!, path: PATH });
    expect(Buffer.byteLength(log)).toBeLessThan(2 * 1024 * 1024);
    // The first names are kept, cut: what a row shows still says what the script counted.
    expect(Object.entries(stored!.rows[0]!.counters)).toEqual([[expect.stringMatching(/^00-customer@example\.com .*…$/), 0]]);
  });
});
