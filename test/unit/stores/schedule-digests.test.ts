import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DIGEST_KEEP_MS, DIGEST_ROWS_PER_DAY, ScheduleDigests } from "../../../src/stores/schedule-digests.js";
import type { DigestRow, ScheduleRef } from "../../../src/schedules/schedule-types.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const REF: ScheduleRef = { owner: "acme", repo: "shop", chore: "billing/purge", schedulerId: "sched-acme.shop-billing-purge-1a2b3c4d" };
const row = (occurrence: string, o: Partial<DigestRow> = {}): DigestRow => ({
  occurrence,
  runId: `${REF.schedulerId}-${Date.parse(occurrence)}`,
  attempt: 1,
  status: "succeeded",
  startedAt: occurrence,
  durationMs: 12,
  counters: {},
  result: null,
  note: null,
  logPath: null,
  ...o,
});

describe("ScheduleDigests", () => {
  let server: TestRedis;
  let redis: Redis;
  let now = Date.parse("2026-12-06T12:00:00Z");
  let digests: ScheduleDigests;
  let other: ScheduleDigests;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis({ host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null });
    digests = new ScheduleDigests(redis, "{digests-test}", () => now);
    other = new ScheduleDigests(redis, "{digests-test}", () => now);
  });
  beforeEach(async () => {
    now = Date.parse("2026-12-06T12:00:00Z");
    await redis.flushall();
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it("keeps one row per run however often it is added, in occurrence order, by the occurrence's UTC day", async () => {
    await digests.add(REF, row("2026-12-06T10:00:00.000Z"));
    await other.add(REF, row("2026-12-06T09:00:00.000Z"));
    await digests.add(REF, row("2026-12-06T10:00:00.000Z", { status: "failed" }));
    // A skipped occurrence has no run: one row per occurrence.
    await digests.add(REF, row("2026-12-06T11:00:00.000Z", { runId: null, attempt: 0, status: "skipped" }));
    await other.add(REF, row("2026-12-06T11:00:00.000Z", { runId: null, attempt: 0, status: "skipped" }));
    // 23:30 in Berlin is still the 5th in UTC… and 00:30 UTC is the 6th.
    await digests.add(REF, row("2026-12-05T23:30:00.000Z"));
    const day = await digests.read(REF.schedulerId, "2026-12-06");
    expect(day?.rows.map((r) => [r.occurrence, r.status])).toEqual([
      ["2026-12-06T09:00:00.000Z", "succeeded"],
      ["2026-12-06T10:00:00.000Z", "succeeded"],
      ["2026-12-06T11:00:00.000Z", "skipped"],
    ]);
    expect(day?.ref).toEqual(REF);
    expect((await digests.read(REF.schedulerId, "2026-12-05"))?.rows).toHaveLength(1);
  });

  it("keeps at most DIGEST_ROWS_PER_DAY rows a day and counts the rest", async () => {
    const base = Date.parse("2026-12-06T00:00:00Z");
    for (let i = 0; i < DIGEST_ROWS_PER_DAY + 5; i += 100) {
      const batch = Array.from({ length: Math.min(100, DIGEST_ROWS_PER_DAY + 5 - i) }, (_, j) => new Date(base + (i + j) * 1000).toISOString());
      await Promise.all(batch.map((iso) => digests.add(REF, row(iso))));
    }
    const day = await digests.read(REF.schedulerId, "2026-12-06");
    expect(day?.rows).toHaveLength(DIGEST_ROWS_PER_DAY);
    expect(day?.dropped).toBe(5);
  });

  it("cuts a row's result and note, so one hostile script cannot fill Redis", async () => {
    const counters = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`${i}-${"c".repeat(10_000)}`, i]));
    await digests.add(REF, row("2026-12-06T10:00:00.000Z", { result: "x".repeat(100_000), note: "y".repeat(100_000), counters }));
    const [stored] = (await digests.read(REF.schedulerId, "2026-12-06"))!.rows;
    expect(stored!.result!.length).toBeLessThanOrEqual(301);
    expect(stored!.note!.length).toBeLessThanOrEqual(301);
    // The names share one budget: the first one, cut.
    expect(Object.keys(stored!.counters)).toEqual([`0-${"c".repeat(298)}…`]);
    const bytes = (await redis.memory("USAGE", `{digests-test}:schedule-digest:${REF.schedulerId}:2026-12-06`)) as number;
    expect(bytes).toBeLessThan(16_384);
  });

  it("lists pending days once they are over; a commit of the version read takes a day off, a row added since puts it back", async () => {
    await digests.add(REF, row("2026-12-05T10:00:00.000Z"));
    await digests.add(REF, row("2026-12-06T10:00:00.000Z"));
    expect(await digests.pending(now, 10)).toEqual([{ schedulerId: REF.schedulerId, day: "2026-12-05", dueMs: Date.parse("2026-12-06T00:00:00Z") }]);
    expect((await digests.pending(Date.parse("2026-12-07T00:00:00Z"), 10)).map((p) => p.day)).toEqual(["2026-12-05", "2026-12-06"]);

    const read = (await digests.read(REF.schedulerId, "2026-12-05"))!;
    // A row arrives between the flush's read and its commit: the day stays pending.
    await other.add(REF, row("2026-12-05T11:00:00.000Z"));
    expect(await digests.committed(REF.schedulerId, "2026-12-05", read.version)).toBe(false);
    expect((await digests.pending(now, 10)).map((p) => p.day)).toEqual(["2026-12-05"]);
    // The next flush reads every row, the one committed before too: the file it writes is complete.
    const again = (await digests.read(REF.schedulerId, "2026-12-05"))!;
    expect(again.rows).toHaveLength(2);
    expect(await digests.committed(REF.schedulerId, "2026-12-05", again.version)).toBe(true);
    expect(await digests.pending(now, 10)).toEqual([]);
    // Committed twice (a flush running twice): nothing pending, nothing changes.
    expect(await digests.committed(REF.schedulerId, "2026-12-05", again.version)).toBe(true);
    expect(await digests.pending(now, 10)).toEqual([]);
    // A late row after the day was committed: pending again, and the day still has its earlier rows.
    await digests.add(REF, row("2026-12-05T23:59:00.000Z"));
    expect((await digests.pending(now, 10)).map((p) => p.day)).toEqual(["2026-12-05"]);
    expect((await digests.read(REF.schedulerId, "2026-12-05"))!.rows).toHaveLength(3);
  });

  it("files a row whose day is past keeping under the day it arrives, and lets the rows expire after it", async () => {
    now = Date.parse("2026-12-20T12:00:00Z");
    await digests.add(REF, row("2026-12-06T10:00:00.000Z"));
    expect(await digests.read(REF.schedulerId, "2026-12-06")).toBeNull();
    expect((await digests.read(REF.schedulerId, "2026-12-20"))?.rows[0]?.occurrence).toBe("2026-12-06T10:00:00.000Z");
    const ttl = await redis.pttl(`{digests-test}:schedule-digest:${REF.schedulerId}:2026-12-20`);
    // Expires DIGEST_KEEP_MS after the day ends, computed from the day, not Redis's clock.
    expect(ttl).toBeGreaterThan(0);
    expect(await redis.expiretime(`{digests-test}:schedule-digest:${REF.schedulerId}:2026-12-20`)).toBe(
      (Date.parse("2026-12-21T00:00:00Z") + DIGEST_KEEP_MS) / 1000,
    );
  });

  it("drops a day and its pending entry", async () => {
    await digests.add(REF, row("2026-12-05T10:00:00.000Z"));
    await digests.drop(REF.schedulerId, "2026-12-05");
    expect(await digests.read(REF.schedulerId, "2026-12-05")).toBeNull();
    expect(await digests.pending(now, 10)).toEqual([]);
  });

  it("lets at most `most` runs a day have their own log, the same run again always", async () => {
    const at = "2026-12-06T10:00:00.000Z";
    const claims = await Promise.all(Array.from({ length: 15 }, (_, i) => digests.claimOwnLog(REF.schedulerId, at, `run-${i}`, 10)));
    expect(claims.filter(Boolean)).toHaveLength(10);
    const winner = `run-${claims.indexOf(true)}`;
    expect(await other.claimOwnLog(REF.schedulerId, at, winner, 10)).toBe(true);
    expect(await other.claimOwnLog(REF.schedulerId, at, "run-new", 10)).toBe(false);
    // Another day starts afresh.
    expect(await digests.claimOwnLog(REF.schedulerId, "2026-12-07T00:00:00.000Z", "run-new", 10)).toBe(true);
  });
});
