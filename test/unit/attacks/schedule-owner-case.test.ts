import type { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RepoCatalog } from "../../../src/catalog-types.js";
import type { Queues } from "../../../src/pipeline/queues.js";
import { schedulerIdOf } from "../../../src/pipeline/run-id.js";
import { Schedules } from "../../../src/schedules/schedules.js";
import type { ScheduleStates } from "../../../src/stores/schedule-states.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { LIMITS, openAll, PREFIX, schedule, scheduledEntry, silent, TestCatalog, TestDigest } from "../schedules/schedules-fixtures.js";

/** The catalog as ChoreCatalog keeps it: one per repository whichever way its name is spelled (GitHub's names are case-insensitive). */
class CaseInsensitiveCatalog extends TestCatalog {
  override set(owner: string, repo: string, chores: RepoCatalog["chores"], head?: string): RepoCatalog {
    const catalog = super.set(owner, repo, chores, head);
    this.current.delete(`${owner}/${repo}`);
    this.current.set(`${owner}/${repo}`.toLowerCase(), catalog);
    return catalog;
  }
  override async read(owner: string, repo: string) {
    return this.current.get(`${owner}/${repo}`.toLowerCase()) ?? null;
  }
}

// Attack (identity): the catalog is one per repository whichever way GitHub spells its owner,
// but a scheduler's id and the repository's schedulers were told apart case by case. An owner
// whose login changed case only ("Acme" → "acme": GitHub sends no event for a repository) got a
// second set of schedulers at the next push, beside the first, which kept triggering the same
// catalog: each occurrence ran twice.
describe("an owner spelled with other capitals at the next push", () => {
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

  it("keeps one scheduler per chore: the new spelling's", async () => {
    const catalog = new CaseInsensitiveCatalog();
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
    await schedules.reconcile(catalog.set("Acme", "Shop", [scheduledEntry("purge", schedule({ everyMs: 60_000 }))]));
    const before = schedulerIdOf({ owner: "Acme", repo: "Shop", chore: "purge" });
    expect(await queues.byName.schedule.getJobScheduler(before)).toBeDefined();

    const summary = await schedules.reconcile(catalog.set("acme", "shop", [scheduledEntry("purge", schedule({ everyMs: 60_000 }))], "b".repeat(40)));

    const after = schedulerIdOf({ owner: "acme", repo: "shop", chore: "purge" });
    expect(summary).toMatchObject({ added: [after], removed: [before] });
    expect((await queues.byName.schedule.getJobSchedulers()).map((s) => s.key)).toEqual([after]);
    expect(await queues.byName.schedule.getJobs(["wait", "delayed"])).toEqual([expect.objectContaining({ repeatJobKey: after })]);
  });
});
