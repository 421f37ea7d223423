import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisClient, type RedisClient } from "../../../src/redis/redis-client.js";
import { answers, redisGone, settledWithin } from "../../../src/redis/stop-bounds.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

let redis: TestRedis;
let client: RedisClient;
beforeAll(async () => {
  redis = await startRedis();
  // The app's own kind of client: it holds commands while Redis is away instead of failing them.
  client = createRedisClient({ redisUrl: redis.url, redisClusterNodes: null });
  await client.ping();
});
afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

describe("settledWithin", () => {
  it("says whether a promise settled in time, rejected ones too", async () => {
    expect(await settledWithin(Promise.resolve(1), 50)).toBe(true);
    expect(await settledWithin(Promise.reject(new Error("no")), 50)).toBe(true);
    const started = Date.now();
    expect(await settledWithin(new Promise(() => undefined), 50)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe("answers and redisGone", () => {
  it("a Redis that answers; one that hangs is not, within the time given", async () => {
    expect(await answers(client, 500)).toBe(true);
    redis.pause();
    try {
      const started = Date.now();
      expect(await answers(client, 200)).toBe(false);
      expect(Date.now() - started).toBeLessThan(1_000);
      // A hung Redis counts as gone at once too.
      await redisGone(client, 200, new AbortController().signal);
    } finally {
      redis.resume();
    }
  });

  it("redisGone waits while Redis answers and stops listening when aborted", async () => {
    const listeners = client.listenerCount("close");
    const aborted = new AbortController();
    let resolved = false;
    void redisGone(client, 500, aborted.signal).then(() => (resolved = true));
    await client.ping();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(resolved).toBe(false);
    expect(client.listenerCount("close")).toBe(listeners + 1);
    aborted.abort();
    expect(client.listenerCount("close")).toBe(listeners);
  });

  // Last: it stops the Redis.
  it("redisGone resolves when the connection drops, and Redis no longer answers", async () => {
    const gone = redisGone(client, 500, new AbortController().signal);
    await client.ping();
    await redis.stop();
    await gone;
    expect(await answers(client, 200)).toBe(false);
  });
});
