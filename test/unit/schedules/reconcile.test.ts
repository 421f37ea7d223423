import { JOB_FORMAT } from "../../../src/pipeline/job-format.js";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Queues } from "../../../src/pipeline/queues.js";
import { schedulerIdOf } from "../../../src/pipeline/run-id.js";
import { refOf, Schedules } from "../../../src/schedules/schedules.js";
import type { ScheduleStates } from "../../../src/stores/schedule-states.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { entry } from "../chores/chores-fixtures.js";
import { LIMITS, openAll, PREFIX, schedule, scheduledEntry, silent, TestCatalog, TestDigest } from "./schedules-fixtures.js";

const id = (chore: string, repo = "shop") => schedulerIdOf({ owner: "acme", repo, chore });

describe("Schedules.reconcile", () => {
  let server: TestRedis;
  let redis: Redis;
  let queues: Queues;
  let states: ScheduleStates;
  let catalog: TestCatalog;
  let digest: TestDigest;
  let schedules: Schedules;

  beforeAll(async () => {
    server = await startRedis();
    ({ redis, queues, states } = openAll(server));
  });
  beforeEach(async () => {
    await redis.flushall();
    catalog = new TestCatalog();
    digest = new TestDigest();
    schedules = new Schedules({ queue: queues.byName.schedule, redis, prefix: PREFIX, states, catalog, limits: LIMITS, digest, log: silent });
  });
  afterAll(async () => {
    await queues?.close();
    redis?.disconnect();
    await server?.stop();
  });

  const scheduler = (chore: string, repo = "shop") => queues.byName.schedule.getJobScheduler(id(chore, repo));

  it("adds a job scheduler per scheduled chore, with its trigger template, and none for a chore without a schedule", async () => {
    const summary = await schedules.reconcile(
      catalog.set("acme", "shop", [
        scheduledEntry("purge", schedule({ everyMs: 2_000 })),
        scheduledEntry("report", schedule({ everyMs: null, cron: "0 3 * * *", timezone: "Europe/Berlin" })),
        scheduledEntry("unlock", null),
        scheduledEntry("legacy", undefined),
      ]),
    );
    expect(summary.added.sort()).toEqual([id("purge"), id("report")].sort());
    const purge = await scheduler("purge");
    expect(purge).toMatchObject({ name: "purge", every: 2_000, template: { data: { format: JOB_FORMAT, owner: "acme", repo: "shop", chore: "purge" } } });
    expect(purge?.template?.opts).toMatchObject({ removeOnComplete: { count: 500 }, removeOnFail: { count: 500 } });
    const report = await scheduler("report");
    expect(report).toMatchObject({ name: "report", pattern: "0 3 * * *", tz: "Europe/Berlin" });
    // The next 03:00 in Berlin.
    const next = new Date(report!.next!);
    expect(next.toLocaleString("en-GB", { timeZone: "Europe/Berlin", hour: "2-digit", minute: "2-digit" })).toBe("03:00");
    expect(await schedules.next(refOf("acme", "shop", "report"))).toBe(report!.next);
    expect(await queues.byName.schedule.getJobSchedulersCount()).toBe(2);
    expect(digest.rows).toEqual([]);
  });

  it("leaves an unchanged scheduler alone: same next occurrence, same job, nothing added", async () => {
    const cron = schedule({ everyMs: null, cron: "*/5 * * * *" });
    catalog.set("acme", "shop", [scheduledEntry("report", cron)]);
    await schedules.reconcile(catalog.current.get("acme/shop")!);
    const before = await scheduler("report");
    const [job] = await queues.byName.schedule.getDelayed();
    const summary = await schedules.reconcile(catalog.set("acme", "shop", [scheduledEntry("report", cron)], "b".repeat(40)));
    expect(summary).toMatchObject({ added: [], updated: [], removed: [], unchanged: [id("report")] });
    expect(await scheduler("report")).toEqual(before);
    const after = await queues.byName.schedule.getDelayed();
    expect(after.map((j) => [j.id, j.timestamp])).toEqual([[job!.id, job!.timestamp]]);
  });

  it("updates a changed schedule and removes one no longer declared, forgetting its state", async () => {
    await schedules.reconcile(catalog.set("acme", "shop", [scheduledEntry("purge", schedule({ everyMs: 2_000 })), scheduledEntry("sync", schedule())]));
    await states.claimOccurrence(id("sync"), 1_000);
    const summary = await schedules.reconcile(
      catalog.set("acme", "shop", [scheduledEntry("purge", schedule({ everyMs: 3_000 })), scheduledEntry("sync", null)], "b".repeat(40)),
    );
    expect(summary).toMatchObject({ updated: [id("purge")], removed: [id("sync")] });
    expect((await scheduler("purge"))?.every).toBe(3_000);
    expect(await scheduler("sync")).toBeUndefined();
    expect((await states.read(id("sync"))).lastOccurrenceMs).toBeNull();
    // No trigger of the removed schedule is left to fire.
    const jobs = await queues.byName.schedule.getJobs(["delayed", "wait"]);
    expect(jobs.filter((job) => job.data.chore === "sync")).toEqual([]);
  });

  it("removes a renamed chore's scheduler and adds the new name's", async () => {
    await schedules.reconcile(catalog.set("acme", "shop", [scheduledEntry("purge", schedule())]));
    const summary = await schedules.reconcile(catalog.set("acme", "shop", [scheduledEntry("purge-sessions", schedule())], "b".repeat(40)));
    expect(summary).toMatchObject({ added: [id("purge-sessions")], removed: [id("purge")] });
    expect((await queues.byName.schedule.getJobSchedulers()).map((s) => s.key)).toEqual([id("purge-sessions")]);
  });

  it("schedules nothing for a chore whose head has a problem, and says why in the digest once per head commit", async () => {
    await schedules.reconcile(catalog.set("acme", "shop", [scheduledEntry("purge", schedule())]));
    await states.pause(id("purge"), "alice", "2026-12-06T10:00:00.000Z");
    const broken = { ...scheduledEntry("purge", schedule()), problem: { commit: "b".repeat(40), message: "does not bundle: oops" } };
    const summary = await schedules.reconcile(catalog.set("acme", "shop", [broken], "b".repeat(40)));
    expect(summary.refused).toEqual([id("purge")]);
    expect(await scheduler("purge")).toBeUndefined();
    await schedules.reconcile(catalog.set("acme", "shop", [broken], "b".repeat(40)));
    expect(digest.rows).toHaveLength(1);
    expect(digest.rows[0]!.ref).toEqual(refOf("acme", "shop", "purge"));
    expect(digest.rows[0]!.row).toMatchObject({ status: "skipped", runId: null, attempt: 0 });
    expect(digest.rows[0]!.row.note).toContain("does not bundle: oops");
    expect(digest.rows[0]!.row.note).toContain("bbbbbbb");
    await schedules.reconcile(catalog.set("acme", "shop", [broken], "c".repeat(40)));
    expect(digest.rows).toHaveLength(2);
    // The chore is still there: its pause is kept for when it is fixed.
    expect((await states.read(id("purge"))).paused).not.toBeNull();
  });

  it("schedules nothing for an invalid schedule (an interval under the server's minimum), with the reason in the digest", async () => {
    const summary = await schedules.reconcile(catalog.set("acme", "shop", [scheduledEntry("purge", schedule({ everyMs: 500 }))]));
    expect(summary.refused).toEqual([id("purge")]);
    expect(await queues.byName.schedule.getJobSchedulersCount()).toBe(0);
    expect(digest.rows).toHaveLength(1);
    expect(digest.rows[0]!.row.note).toMatch(/invalid/);
  });

  it("keeps a paused schedule without a scheduler until it is resumed, then from the next occurrence on", async () => {
    const ref = refOf("acme", "shop", "purge");
    await schedules.reconcile(catalog.set("acme", "shop", [scheduledEntry("purge", schedule({ everyMs: 60_000 }))]));
    expect(await schedules.pause(ref, "alice")).toBe(true);
    expect(await schedules.pause(ref, "bob")).toBe(false);
    expect((await states.read(ref.schedulerId)).paused).toMatchObject({ by: "alice" });
    expect(await scheduler("purge")).toBeUndefined();
    expect(await schedules.next(ref)).toBeNull();
    expect(await queues.byName.schedule.getJobs(["delayed", "wait"])).toEqual([]);
    const summary = await schedules.reconcile(catalog.set("acme", "shop", [scheduledEntry("purge", schedule({ everyMs: 60_000 }))], "b".repeat(40)));
    expect(summary.paused).toEqual([ref.schedulerId]);
    expect(await scheduler("purge")).toBeUndefined();
    const resumedAt = Date.now();
    expect(await schedules.resume(ref, "bob")).toBe(true);
    expect(await schedules.resume(ref, "bob")).toBe(false);
    // No run for the time it was paused: the first occurrence is an interval away, nothing waits now.
    expect(await schedules.next(ref)).toBeGreaterThanOrEqual(resumedAt + 60_000);
    expect(await queues.byName.schedule.getWaitingCount()).toBe(0);
  });

  it("pauses only a chore of the catalog: a made-up name leaves nothing in Redis", async () => {
    await schedules.reconcile(catalog.set("acme", "shop", [scheduledEntry("purge", schedule())]));
    const keys = (await redis.keys("*")).sort();
    expect(await schedules.pause(refOf("acme", "shop", "nope"), "mallory")).toBe(false);
    expect(await schedules.pause({ ...refOf("acme", "shop", "purge"), schedulerId: id("other") }, "mallory")).toBe(false);
    expect((await redis.keys("*")).sort()).toEqual(keys);
  });

  it("touches only its repository's schedulers, found by their trigger data, and removes them all when the repository goes", async () => {
    await schedules.reconcile(catalog.set("acme", "shop", [scheduledEntry("purge", schedule())]));
    await schedules.reconcile(catalog.set("acme", "shop-admin", [scheduledEntry("purge", schedule())]));
    // A repository whose name starts like another's: its schedulers are not the other's.
    await schedules.reconcile(catalog.set("acme", "shop", [], "b".repeat(40)));
    expect((await queues.byName.schedule.getJobSchedulers()).map((s) => s.key)).toEqual([id("purge", "shop-admin")]);
    await schedules.pause(refOf("acme", "shop-admin", "purge"), "alice");
    await schedules.reconcile(catalog.set("acme", "shop-admin", [scheduledEntry("purge", schedule()), scheduledEntry("sync", schedule())]));
    await schedules.removeRepository("acme", "shop-admin");
    expect(await queues.byName.schedule.getJobSchedulersCount()).toBe(0);
    expect(await queues.byName.schedule.getJobs(["delayed", "wait"])).toEqual([]);
    expect((await states.read(id("purge", "shop-admin"))).paused).toBeNull();
    // Nothing of the repository's schedules is left (BullMQ's queue-wide keys stay).
    expect(await redis.keys("*shop-admin*")).toEqual([]);
    expect((await redis.keys(`${PREFIX}:*`)).sort()).toEqual(["events", "id", "marker", "meta"].map((key) => `${PREFIX}:schedule:${key}`));
  });

  it("reconciles the newest stored catalog, not an older one a slow pass hands it", async () => {
    const old = catalog.set("acme", "shop", [scheduledEntry("purge", schedule())]);
    catalog.set("acme", "shop", [entry(null, { name: "other" })], "b".repeat(40));
    await schedules.reconcile(old);
    expect(await queues.byName.schedule.getJobSchedulersCount()).toBe(0);
  });
});
