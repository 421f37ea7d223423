import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { startRedis, type TestRedis } from "./redis-server.js";

/**
 * A throwaway Redis server with one client on it for the tests of the calling file (or describe block):
 * started before them, disconnected and stopped after them. Returns the client, once the tests run.
 */
export function useRedisClient(): () => Redis {
  let server: TestRedis | undefined;
  let client: Redis | undefined;
  beforeAll(async () => {
    server = await startRedis();
    client = new Redis(server.url);
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });
  return () => {
    if (!client) throw new Error("the Redis client is only there while the tests run");
    return client;
  };
}
