import type { Redis } from "ioredis";

/** Every key in the database with the bytes Redis says it takes (`MEMORY USAGE`, every element counted). */
export async function redisFootprint(redis: Redis): Promise<{ keys: Map<string, number>; bytes: number }> {
  const keys = new Map<string, number>();
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "COUNT", 1000);
    cursor = next;
    const sizes = await Promise.all(batch.map((key) => redis.memory("USAGE", key, "SAMPLES", 0)));
    batch.forEach((key, i) => keys.set(key, Number(sizes[i] ?? 0)));
  } while (cursor !== "0");
  return { keys, bytes: [...keys.values()].reduce((sum, n) => sum + n, 0) };
}
