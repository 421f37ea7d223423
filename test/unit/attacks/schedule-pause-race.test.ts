import type { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Queues } from "../../../src/pipeline/queues.js";
import { refOf, Schedules } from "../../../src/schedules/schedules.js";
import { ScheduleStates } from "../../../src/stores/schedule-states.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { LIMITS, openAll, PREFIX, schedule, scheduledEntry, silent, TestCatalog, TestDigest } from "../schedules/schedules-fixtures.js";

// Pause and Resume from the chores page (two tabs, two people, a double click) racing: whatever
// the interleaving, the scheduler must end up matching the state the page shows.
describe("attack: Pause and Resume of one schedule at the same time", () => {
  let server: TestRedis;
  let redis: Redis;
  let queues: Queues;

  beforeAll(async () => {
    server = await startRedis();
    ({ redis, queues } = openAll(server));
  });
  beforeEach(async () => {
    await redis.flushall();
  });
  afterAll(async () => {
    await queues?.close();
    redis?.disconnect();
    await server?.stop();
  });

  it("a resume that lands between a pause's state change and its removal of the scheduler leaves the schedule running, not stopped for good", async () => {
    const ref = refOf("acme", "shop", "purge");
    const catalog = new TestCatalog();
    catalog.set("acme", "shop", [scheduledEntry("purge", schedule({ everyMs: 60_000 }))]);
    // The resume request is served while the pause request is between its two steps.
    class Interleaved extends ScheduleStates {
      meanwhile: (() => Promise<void>) | null = null;
      override async pause(schedulerId: string, by: string, at: string): Promise<boolean> {
        const paused = await super.pause(schedulerId, by, at);
        const meanwhile = this.meanwhile;
        this.meanwhile = null;
        await meanwhile?.();
        return paused;
      }
    }
    const states = new Interleaved(redis, PREFIX);
    const schedules = new Schedules({
      queue: queues.byName.schedule,
      redis,
      prefix: PREFIX,
      states,
      catalog,
      limits: LIMITS,
      digest: new TestDigest(),
      log: silent,
    });
    await schedules.reconcile(catalog.current.get("acme/shop")!);
    expect(await schedules.next(ref)).not.toBeNull();

    states.meanwhile = async () => {
      expect(await schedules.resume(ref, "bob")).toBe(true);
    };
    await schedules.pause(ref, "alice");

    // Resumed last: not paused, so it must have a scheduler (the page would say it runs on time, yet nothing would run until the next push).
    expect((await states.read(ref.schedulerId)).paused).toBeNull();
    expect(await queues.byName.schedule.getJobScheduler(ref.schedulerId)).toBeDefined();
    expect(await schedules.next(ref)).not.toBeNull();
  });
});
