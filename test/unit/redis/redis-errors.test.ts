import { describe, expect, it } from "vitest";
import { redisWhere } from "../../../src/redis/redis-errors.js";

describe("redisWhere", () => {
  it("names the address and the setting that says so, never the password", () => {
    expect(redisWhere({ redisUrl: "redis://:s3cret-pass@cache.internal:6390/2", redisClusterNodes: null })).toBe("cache.internal:6390 (REDIS_URL)");
    expect(redisWhere({ redisUrl: "rediss://user:s3cret-pass@cache.internal", redisClusterNodes: null })).toBe("cache.internal:6379 (REDIS_URL)");
    expect(
      redisWhere({
        redisUrl: null,
        redisClusterNodes: [
          { host: "10.0.0.1", port: 7000 },
          { host: "10.0.0.2", port: 7001 },
        ],
      }),
    ).toBe("10.0.0.1:7000,10.0.0.2:7001 (REDIS_CLUSTER_NODES)");
  });
});
