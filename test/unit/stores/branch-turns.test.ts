import { describe, expect, it } from "vitest";
import { branchTurns } from "../../../src/stores/branch-turns.js";
import { ConcurrencyLock } from "../../../src/stores/concurrency-lock.js";
import { useRedisClient } from "../../helpers/redis-client.js";

const redis = useRedisClient();

describe("branchTurns", () => {
  it("gives one process a branch at a time, across processes sharing the Redis, and other branches meanwhile", async () => {
    const locks = new ConcurrencyLock(redis(), "{chorebot}", 30_000);
    const a = branchTurns(locks, "host-a:1");
    const b = branchTurns(locks, "host-b:2");
    const order: string[] = [];

    const endA = await a("acme/widgets:main");
    const bWaits = b("acme/widgets:main").then((end) => (order.push("b has it"), end));
    // Another branch is free while a holds this one.
    await (
      await b("acme/gadgets:main")
    )();
    expect(await redis().get("{chorebot}:lock:commit:acme/widgets:main")).toBe("host-a:1");
    order.push("a ends");
    await endA();
    const endB = await bWaits;
    expect(order).toEqual(["a ends", "b has it"]);
    expect(await redis().get("{chorebot}:lock:commit:acme/widgets:main")).toBe("host-b:2");
    await endB();
    expect(await redis().exists("{chorebot}:lock:commit:acme/widgets:main")).toBe(0);
  });

  it("frees the turn of a process that died with it once the lease runs out", async () => {
    const locks = new ConcurrencyLock(redis(), "{chorebot}", 300);
    // A holder that never ends its turn nor renews it: its process died.
    await locks.acquire(locks.key("commit:acme/widgets:dead"), "host-dead:9", 300);
    const end = await branchTurns(locks, "host-b:2")("acme/widgets:dead");
    expect(await redis().get("{chorebot}:lock:commit:acme/widgets:dead")).toBe("host-b:2");
    await end();
  });
});
