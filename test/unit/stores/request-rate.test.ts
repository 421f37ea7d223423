import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_REQUEST_RATE, RequestRate } from "../../../src/stores/request-rate.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const PREFIX = "{rate-test}";
const SHOP = { owner: "acme", repo: "shop" };

describe("RequestRate", () => {
  let server: TestRedis;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis({ host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null });
  });

  beforeEach(async () => {
    await redis.flushall();
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  async function takeMany(rate: RequestRate, n: number, login = "alice", repo = SHOP) {
    const verdicts = [];
    for (let i = 0; i < n; i++) verdicts.push(await rate.take(login, repo));
    return verdicts;
  }

  it("allows `max` requests a window, then refuses with the time left in it", async () => {
    const rate = new RequestRate(redis, PREFIX, { max: 3, windowMs: 60_000 });
    const verdicts = await takeMany(rate, 5);
    expect(verdicts.slice(0, 3)).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
    for (const verdict of verdicts.slice(3)) {
      expect(verdict.allowed).toBe(false);
      const retryAfterMs = verdict.allowed ? 0 : verdict.retryAfterMs;
      expect(retryAfterMs).toBeGreaterThan(55_000);
      expect(retryAfterMs).toBeLessThanOrEqual(60_000);
    }
  });

  it("defaults to 10 a minute", async () => {
    const verdicts = await takeMany(new RequestRate(redis, PREFIX), 11);
    expect(DEFAULT_REQUEST_RATE).toEqual({ max: 10, windowMs: 60_000 });
    expect(verdicts.filter((verdict) => verdict.allowed)).toHaveLength(10);
    expect(verdicts[10]!.allowed).toBe(false);
  });

  it("counts each user in each repository apart, and a login in any case as one user", async () => {
    const rate = new RequestRate(redis, PREFIX, { max: 1, windowMs: 60_000 });
    expect(await rate.take("alice", SHOP)).toEqual({ allowed: true });
    expect((await rate.take("ALICE", SHOP)).allowed).toBe(false);
    expect(await rate.take("bob", SHOP)).toEqual({ allowed: true });
    expect(await rate.take("alice", { owner: "acme", repo: "billing" })).toEqual({ allowed: true });
    // "a-b"/"c" and "a"/"b-c" are two repositories.
    expect(await rate.take("alice", { owner: "a-b", repo: "c" })).toEqual({ allowed: true });
    expect(await rate.take("alice", { owner: "a", repo: "b-c" })).toEqual({ allowed: true });
  });

  it("shares one count between web processes, even when they ask at once", async () => {
    const one = new RequestRate(redis, PREFIX, { max: 5, windowMs: 60_000 });
    const two = new RequestRate(redis, PREFIX, { max: 5, windowMs: 60_000 });
    const verdicts = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? one : two).take("alice", SHOP)));
    expect(verdicts.filter((verdict) => verdict.allowed)).toHaveLength(5);
  });

  it("starts a new window once the last one is over", async () => {
    const rate = new RequestRate(redis, PREFIX, { max: 1, windowMs: 100 });
    expect(await rate.take("alice", SHOP)).toEqual({ allowed: true });
    const refused = await rate.take("alice", SHOP);
    expect(refused.allowed).toBe(false);
    const wait = refused.allowed ? 0 : refused.retryAfterMs;
    expect(wait).toBeLessThanOrEqual(100);
    await expect.poll(async () => (await redis.keys(`${PREFIX}:request-rate:*`)).length, { interval: 10, timeout: 2000 }).toBe(0);
    expect(await rate.take("alice", SHOP)).toEqual({ allowed: true });
  });

  it("keeps each count only for its window", async () => {
    const rate = new RequestRate(redis, PREFIX, { max: 3, windowMs: 60_000 });
    await takeMany(rate, 5);
    const keys = await redis.keys(`${PREFIX}:request-rate:*`);
    expect(keys).toHaveLength(1);
    const pttl = await redis.pttl(keys[0]!);
    expect(pttl).toBeGreaterThan(55_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });

  it("marks only a window's first refusal as first, and counts comment commands apart from starts", async () => {
    const commands = new RequestRate(redis, PREFIX, { max: 1, windowMs: 60_000 }, "command-rate");
    const starts = new RequestRate(redis, PREFIX, { max: 1, windowMs: 60_000 });
    const verdicts = [await commands.take("alice", SHOP), await commands.take("alice", SHOP), await commands.take("alice", SHOP)];
    expect(verdicts.map((v) => (v.allowed ? "allowed" : v.first ? "first" : "again"))).toEqual(["allowed", "first", "again"]);
    expect(await starts.take("alice", SHOP)).toEqual({ allowed: true });
  });

  it("gives a count left without an expiry a window instead of refusing its user for ever", async () => {
    const rate = new RequestRate(redis, PREFIX, { max: 1, windowMs: 60_000 });
    await rate.take("alice", SHOP);
    const [key] = await redis.keys(`${PREFIX}:request-rate:*`);
    await redis.persist(key!);
    const refused = await rate.take("alice", SHOP);
    expect(refused).toEqual({ allowed: false, retryAfterMs: 60_000, first: true });
    expect(await redis.pttl(key!)).toBeGreaterThan(55_000);
  });
});
