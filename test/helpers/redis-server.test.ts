import { describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { startRedis } from "./redis-server.js";

describe("startRedis", () => {
  it("starts a private redis-server that answers and stops cleanly", async () => {
    const redis = await startRedis();
    expect(redis.port).not.toBe(6379);
    const client = new Redis(redis.url);
    await client.set("k", "v");
    expect(await client.get("k")).toBe("v");
    client.disconnect();
    await redis.stop();
    expect(redis.process.exitCode ?? redis.process.signalCode).not.toBeNull();
  });
});
