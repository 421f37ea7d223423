import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { ConcurrencyLock, concurrencyLockName, holderRunId, lockHolder } from "../../../src/stores/concurrency-lock.js";
import { useRedisClient } from "../../helpers/redis-client.js";

const PREFIX = "{chorebot}";
const redis = useRedisClient();

let n = 0;
const freshKey = (locks: ConcurrencyLock) => locks.key(`test-${++n}`);
const target = (path: string) => ({ owner: "acme", repo: "widgets", path });

describe("concurrencyLockName", () => {
  it("locks nothing for `none`, the repository and path for `self`, one name for every `global` script", () => {
    expect(concurrencyLockName("none", target("scripts/a.ts"))).toBeNull();
    expect(concurrencyLockName("self", target("scripts/a.ts"))).toBe("self:acme/widgets:scripts/a.ts");
    expect(concurrencyLockName("self", target("scripts/b.ts"))).not.toBe(concurrencyLockName("self", target("scripts/a.ts")));
    expect(concurrencyLockName("self", { ...target("scripts/a.ts"), repo: "gadgets" })).not.toBe(concurrencyLockName("self", target("scripts/a.ts")));
    expect(concurrencyLockName("global", target("scripts/a.ts"))).toBe("global");
    expect(concurrencyLockName("global", { owner: "other", repo: "thing", path: "scripts/z.ts" })).toBe("global");
  });

  it("keeps the lock keys under the queue prefix and its hash tag", () => {
    expect(new ConcurrencyLock(redis(), PREFIX, 1000).key("global")).toBe("{chorebot}:lock:global");
  });

  it("names the holder by run id and attempt, and gives the run id back", () => {
    expect(lockHolder("widgets-abc1234-fix-0123456789", 2)).toBe("widgets-abc1234-fix-0123456789#2");
    expect(holderRunId(lockHolder("widgets-abc1234-fix-0123456789", 2))).toBe("widgets-abc1234-fix-0123456789");
  });
});

describe("ConcurrencyLock", () => {
  it("acquires with SET NX PX, says who holds it, and lets only the holder release it", async () => {
    const locks = new ConcurrencyLock(redis(), PREFIX, 5_000);
    const key = freshKey(locks);
    expect(await locks.holderOf(key)).toBeNull();
    expect(await locks.acquire(key, "run-a#1")).toBe(true);
    expect(await locks.holderOf(key)).toBe("run-a#1");
    const ttl = await redis().pttl(key);
    expect(ttl).toBeGreaterThan(4_000);
    expect(ttl).toBeLessThanOrEqual(5_000);

    expect(await locks.acquire(key, "run-b#1")).toBe(false);
    expect(await locks.release(key, "run-b#1")).toBe(false);
    expect(await locks.renew(key, "run-b#1")).toBe(false);
    expect(await locks.holderOf(key)).toBe("run-a#1");

    expect(await locks.release(key, "run-a#1")).toBe(true);
    expect(await locks.holderOf(key)).toBeNull();
    expect(await locks.acquire(key, "run-b#1")).toBe(true);
  });

  it("renews only the holder's lease", async () => {
    const locks = new ConcurrencyLock(redis(), PREFIX, 300);
    const key = freshKey(locks);
    expect(await locks.acquire(key, "run-a#1", 300)).toBe(true);
    expect(await locks.renew(key, "run-a#1", 10_000)).toBe(true);
    expect(await redis().pttl(key)).toBeGreaterThan(9_000);
    await locks.release(key, "run-a#1");
    expect(await locks.renew(key, "run-a#1")).toBe(false);
    expect(await redis().exists(key)).toBe(0);
  });

  it("frees a lock whose holder died (stopped renewing) after its ttl", async () => {
    const locks = new ConcurrencyLock(redis(), PREFIX, 300);
    const key = freshKey(locks);
    expect(await locks.acquire(key, "dead#1")).toBe(true);
    expect(await locks.acquire(key, "next#1")).toBe(false);
    await sleep(450);
    expect(await locks.holderOf(key)).toBeNull();
    expect(await locks.acquire(key, "next#1")).toBe(true);
    // The dead holder, should it wake up, can neither extend nor delete the new lease.
    expect(await locks.renew(key, "dead#1")).toBe(false);
    expect(await locks.release(key, "dead#1")).toBe(false);
    expect(await locks.holderOf(key)).toBe("next#1");
  });

  it("keeps a lease alive past its ttl while it is renewed, and frees it on release", async () => {
    const locks = new ConcurrencyLock(redis(), PREFIX, 300);
    const key = freshKey(locks);
    const lease = await locks.lease(key, "long#1");
    expect(lease).not.toBeNull();
    await sleep(1_000);
    expect(await locks.holderOf(key)).toBe("long#1");
    expect(await locks.lease(key, "other#1")).toBeNull();
    expect(lease!.lost).toBe(false);
    await lease!.release();
    await lease!.release();
    expect(await locks.holderOf(key)).toBeNull();
    // Released leases are no longer renewed: someone else's lease is left alone.
    expect(await locks.acquire(key, "other#1", 300)).toBe(true);
    await sleep(450);
    expect(await locks.holderOf(key)).toBeNull();
  });

  it("stops renewing and reports the loss when the lease was taken over", async () => {
    const locks = new ConcurrencyLock(redis(), PREFIX, 300);
    const key = freshKey(locks);
    let lost = 0;
    const lease = (await locks.lease(key, "a#1", { onLost: () => lost++ }))!;
    // As if it had expired while Redis was unreachable, and another run took it.
    await redis().set(key, "b#1", "PX", 5_000);
    await sleep(400);
    expect(lease.lost).toBe(true);
    expect(lost).toBe(1);
    await lease.release();
    expect(await locks.holderOf(key)).toBe("b#1");
  });

  it("lets exactly one of many contenders hold the lock at a time", async () => {
    const locks = new ConcurrencyLock(redis(), PREFIX, 2_000);
    const key = freshKey(locks);
    const others = Array.from({ length: 4 }, () => redis().duplicate());
    try {
      const contenders = others.map((client) => new ConcurrencyLock(client, PREFIX, 2_000));
      const results = await Promise.all(contenders.map((lock, i) => lock.lease(key, `run-${i}#1`)));
      const winners = results.filter((lease) => lease !== null);
      expect(winners).toHaveLength(1);
      expect(await locks.holderOf(key)).toBe(winners[0]!.holder);

      // Serialised: each takes its turn once the previous one released.
      const active: string[] = [];
      let overlaps = 0;
      await Promise.all(
        contenders.map(async (lock, i) => {
          const holder = `turn-${i}#1`;
          const turnKey = `${key}:turns`;
          for (;;) {
            const lease = await lock.lease(turnKey, holder);
            if (!lease) {
              await sleep(5);
              continue;
            }
            active.push(holder);
            if (active.length > 1) overlaps++;
            await sleep(20);
            active.splice(active.indexOf(holder), 1);
            await lease.release();
            return;
          }
        }),
      );
      expect(overlaps).toBe(0);
      await winners[0]!.release();
    } finally {
      for (const client of others) client.disconnect();
    }
  });

  it("never takes a lock for `none`, one per script for `self`, one shared by all `global` scripts", async () => {
    const locks = new ConcurrencyLock(redis(), `${PREFIX}-modes`, 2_000);
    expect(concurrencyLockName("none", target("scripts/a.ts"))).toBeNull();

    const selfA = locks.key(concurrencyLockName("self", target("scripts/a.ts"))!);
    const selfB = locks.key(concurrencyLockName("self", target("scripts/b.ts"))!);
    const a = await locks.lease(selfA, "a1#1");
    expect(a).not.toBeNull();
    expect(await locks.lease(selfA, "a2#1")).toBeNull();
    const b = await locks.lease(selfB, "b1#1");
    expect(b).not.toBeNull();

    const globalA = locks.key(concurrencyLockName("global", target("scripts/a.ts"))!);
    const globalC = locks.key(concurrencyLockName("global", { owner: "other", repo: "repo", path: "scripts/c.ts" })!);
    const g = await locks.lease(globalA, "ga#1");
    expect(g).not.toBeNull();
    expect(await locks.lease(globalC, "gc#1")).toBeNull();
    expect(await locks.holderOf(globalC)).toBe("ga#1");

    await Promise.all([a!.release(), b!.release(), g!.release()]);
    expect(await redis().keys(`${PREFIX}-modes:lock:*`)).toEqual([]);
  });
});
