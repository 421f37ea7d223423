import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ScheduleStates } from "../../../src/stores/schedule-states.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const ID = "sched-acme.shop-purge-1a2b3c4d";

describe("ScheduleStates", () => {
  let server: TestRedis;
  let redis: Redis;
  // Two workers sharing one Redis.
  let states: ScheduleStates;
  let other: ScheduleStates;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis({ host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null });
    states = new ScheduleStates(redis, "{states-test}");
    other = new ScheduleStates(redis, "{states-test}");
  });
  beforeEach(async () => {
    await redis.flushall();
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it("is paused by the first person only, and resumed once", async () => {
    expect(await states.pause(ID, "alice", "2026-12-06T10:00:00.000Z")).toBe(true);
    expect(await other.pause(ID, "bob", "2026-12-06T10:01:00.000Z")).toBe(false);
    expect((await states.read(ID)).paused).toEqual({ by: "alice", at: "2026-12-06T10:00:00.000Z" });
    expect(await other.resume(ID)).toBe(true);
    expect(await states.resume(ID)).toBe(false);
    expect((await states.read(ID)).paused).toBeNull();
  });

  it("lets an occurrence go on again, but never one older than the latest", async () => {
    expect(await states.claimOccurrence(ID, 2_000)).toBe(true);
    expect(await other.claimOccurrence(ID, 2_000)).toBe(true);
    expect(await other.claimOccurrence(ID, 1_000)).toBe(false);
    expect(await states.claimOccurrence(ID, 3_000)).toBe(true);
    expect((await states.read(ID)).lastOccurrenceMs).toBe(3_000);
  });

  it("gives the turn to one run at a time; only its holder frees it", async () => {
    const [a, b] = await Promise.all([states.takeTurn(ID, "run-a"), other.takeTurn(ID, "run-b")]);
    expect(a).toBe(b);
    const holder = a;
    const waiting = holder === "run-a" ? "run-b" : "run-a";
    await states.releaseTurn(ID, waiting);
    expect((await states.read(ID)).running).toBe(holder);
    await states.releaseTurn(ID, holder);
    expect(await other.takeTurn(ID, waiting)).toBe(waiting);
  });

  it("answers the same streak for the same run however often its end is recorded", async () => {
    const fail = { runId: "r1", status: "failed" as const, at: "2026-12-06T10:00:00.000Z", failing: true };
    expect(await states.recordEnd(ID, fail)).toEqual({ wasFailing: false });
    expect(await other.recordEnd(ID, fail)).toEqual({ wasFailing: false });
    expect(await states.recordEnd(ID, { ...fail, runId: "r2" })).toEqual({ wasFailing: true });
    expect(await states.recordEnd(ID, { runId: "r3", status: "succeeded", at: "2026-12-06T10:02:00.000Z", failing: false })).toEqual({ wasFailing: true });
    const state = await states.read(ID);
    expect(state).toMatchObject({ failing: false, lastSuccessAt: "2026-12-06T10:02:00.000Z", last: { runId: "r3", status: "succeeded" } });
    await states.forget(ID);
    expect(await states.read(ID)).toEqual({ paused: null, running: null, lastOccurrenceMs: null, failing: false, lastSuccessAt: null, last: null });
  });

  it("counts each end once, however often it is told", async () => {
    await Promise.all([states.countEnd("run-1", "succeeded"), other.countEnd("run-1", "succeeded"), states.countEnd("occ-2", "skipped")]);
    await states.countEnd("run-3", "failed");
    await states.countEnd("run-3", "failed");
    expect(await other.runCounts()).toEqual({ succeeded: 1, skipped: 1, failed: 1 });
  });
});
