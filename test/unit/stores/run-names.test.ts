import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ACTIVE_NAME_HOLD_MS, RUN_NAME, RunNames } from "../../../src/stores/run-names.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const PREFIX = "{names-test}";
const TTL_MS = 60 * 60 * 1000;
const SHOP = { owner: "acme", repo: "shop" };

describe("RunNames", () => {
  let server: TestRedis;
  let redis: Redis;
  // Two web processes sharing one Redis, as in production.
  let names: RunNames;
  let other: RunNames;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis({ host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null });
    names = new RunNames(redis, PREFIX, TTL_MS);
    other = new RunNames(redis, PREFIX, TTL_MS);
  });

  beforeEach(async () => {
    await redis.flushall();
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  async function keys(): Promise<string[]> {
    return (await redis.keys(`${PREFIX}:run-name:*`)).sort();
  }

  it("gives a free name to the run that claims it, and the same run may claim it again", async () => {
    expect(await names.claim(SHOP, "nightly-backfill", "run-a")).toEqual({ taken: false });
    expect(await names.find(SHOP, "nightly-backfill")).toBe("run-a");
    // A retried request (same key, so the same run id) is not refused.
    expect(await other.claim(SHOP, "nightly-backfill", "run-a")).toEqual({ taken: false });
    expect(await names.find(SHOP, "nightly-backfill")).toBe("run-a");
  });

  it("refuses another run, naming the run that has the name", async () => {
    await names.claim(SHOP, "nightly-backfill", "run-a");
    expect(await other.claim(SHOP, "nightly-backfill", "run-b")).toEqual({ taken: true, runId: "run-a" });
    expect(await names.find(SHOP, "nightly-backfill")).toBe("run-a");
  });

  it("lets exactly one of many racing claims have the name", async () => {
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? names : other).claim(SHOP, "race", `run-${i}`)));
    const winners = claims.flatMap((claim, i) => (claim.taken ? [] : [`run-${i}`]));
    expect(winners).toHaveLength(1);
    expect(claims.filter((claim) => claim.taken).map((claim) => (claim.taken ? claim.runId : null))).toEqual(Array(19).fill(winners[0]));
    expect(await names.find(SHOP, "race")).toBe(winners[0]);
  });

  it("treats names case-insensitively: another run cannot take a name by changing its case", async () => {
    await names.claim(SHOP, "Nightly-Backfill", "run-a");
    expect(await other.claim(SHOP, "NIGHTLY-BACKFILL", "run-b")).toEqual({ taken: true, runId: "run-a" });
    expect(await other.claim(SHOP, "nightly-backfill", "run-b")).toEqual({ taken: true, runId: "run-a" });
    expect(await names.find(SHOP, "nIGHTLY-bACKFILL")).toBe("run-a");
    // The repository too: GitHub's owner and repository names are case-insensitive.
    expect(await other.claim({ owner: "ACME", repo: "Shop" }, "nightly-backfill", "run-b")).toEqual({ taken: true, runId: "run-a" });
  });

  it("refuses look-alikes and anything else that is not a run name, before Redis makes a key of it", async () => {
    // The Kelvin sign lower-cases to "k" and the dotless ı upper-cases to "I": both would collide with ASCII names.
    const hostile = ["\u212Aey", "key\u0131", "ｋey", "key\n", "..", "../other", "a b", "a:b", "a/b", "", "-start", ".start", "x".repeat(101), "a\u0000b"];
    for (const name of hostile) {
      expect(RUN_NAME.test(name), JSON.stringify(name)).toBe(false);
      await expect(names.claim(SHOP, name, "run-a"), JSON.stringify(name)).rejects.toThrow(/not a run name/);
      expect(await names.find(SHOP, name)).toBeNull();
    }
    expect(await keys()).toEqual([]);
    expect(RUN_NAME.test("x".repeat(100))).toBe(true);
    expect(RUN_NAME.test("a..b")).toBe(true);
  });

  it("keeps the keys of two repositories (or owners) apart, however their names are split", async () => {
    // "a-b" + "c" and "a" + "b-c" must not meet, nor the same name in two repositories.
    await names.claim({ owner: "a-b", repo: "c" }, "deploy", "run-1");
    expect(await names.claim({ owner: "a", repo: "b-c" }, "deploy", "run-2")).toEqual({ taken: false });
    expect(await names.claim({ owner: "acme", repo: "shop" }, "deploy", "run-3")).toEqual({ taken: false });
    expect(await names.claim({ owner: "acme", repo: "shop.wiki" }, "deploy", "run-4")).toEqual({ taken: false });
    expect(await names.claim({ owner: "acme", repo: "shop" }, "deploy.wiki", "run-5")).toEqual({ taken: false });
    expect(await names.find({ owner: "a-b", repo: "c" }, "deploy")).toBe("run-1");
    expect(await names.find({ owner: "a", repo: "b-c" }, "deploy")).toBe("run-2");
    expect(await names.find(SHOP, "deploy")).toBe("run-3");
    expect(await keys()).toHaveLength(5);
  });

  it("holds a claimed name no longer than ACTIVE_NAME_HOLD_MS: no key lives for ever", async () => {
    await names.claim(SHOP, "held", "run-a");
    const [key] = await keys();
    const pttl = await redis.pttl(key!);
    expect(pttl).toBeGreaterThan(ACTIVE_NAME_HOLD_MS - 60_000);
    expect(pttl).toBeLessThanOrEqual(ACTIVE_NAME_HOLD_MS);
  });

  it("releases a name only for the run holding it", async () => {
    await names.claim(SHOP, "deploy", "run-a");
    await other.release(SHOP, "deploy", "run-b");
    expect(await names.find(SHOP, "deploy")).toBe("run-a");
    await names.release(SHOP, "DEPLOY", "run-a");
    expect(await names.find(SHOP, "deploy")).toBeNull();
    expect(await keys()).toEqual([]);
    expect(await other.claim(SHOP, "deploy", "run-b")).toEqual({ taken: false });
  });

  it("keeps an ended run's name for RUN_NAME_TTL only, and only for the run that holds it", async () => {
    await names.claim(SHOP, "deploy", "run-a");
    const [key] = await keys();
    // Another run ending (a stale cleanup, a forged call) does not shorten the holder's hold.
    await other.ended(SHOP, "deploy", "run-b");
    expect(await redis.pttl(key!)).toBeGreaterThan(TTL_MS);
    await names.ended(SHOP, "deploy", "run-a");
    const pttl = await redis.pttl(key!);
    expect(pttl).toBeGreaterThan(TTL_MS - 60_000);
    expect(pttl).toBeLessThanOrEqual(TTL_MS);
    // Still taken while the TTL runs: a second start is refused with the first run.
    expect(await other.claim(SHOP, "deploy", "run-b")).toEqual({ taken: true, runId: "run-a" });
  });

  it("does not lengthen an ended run's hold again when its request is retried", async () => {
    await names.claim(SHOP, "deploy", "run-a");
    await names.ended(SHOP, "deploy", "run-a");
    expect(await names.claim(SHOP, "deploy", "run-a")).toEqual({ taken: false });
    const [key] = await keys();
    expect(await redis.pttl(key!)).toBeLessThanOrEqual(TTL_MS);
  });

  it("frees the name once the TTL after the end is over, for any later run", async () => {
    const short = new RunNames(redis, PREFIX, 50);
    await short.claim(SHOP, "deploy", "run-a");
    await short.ended(SHOP, "deploy", "run-a");
    const [key] = await keys();
    expect(await redis.pttl(key!)).toBeLessThanOrEqual(50);
    await expect.poll(() => short.find(SHOP, "deploy"), { interval: 10, timeout: 2000 }).toBeNull();
    expect(await other.claim(SHOP, "deploy", "run-b")).toEqual({ taken: false });
    expect(await other.find(SHOP, "deploy")).toBe("run-b");
  });

  it("leaves a later run's claim alone when an earlier run's end comes late", async () => {
    const short = new RunNames(redis, PREFIX, 50);
    await short.claim(SHOP, "deploy", "run-a");
    await short.release(SHOP, "deploy", "run-a");
    await other.claim(SHOP, "deploy", "run-b");
    await short.ended(SHOP, "deploy", "run-a");
    await short.release(SHOP, "deploy", "run-a");
    expect(await other.find(SHOP, "deploy")).toBe("run-b");
    const [key] = await keys();
    expect(await redis.pttl(key!)).toBeGreaterThan(TTL_MS);
  });
});
