import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChoreRuns, choreRunsKey } from "../../../src/stores/chore-runs.js";
import { RunInputs, runInputsKey } from "../../../src/stores/run-inputs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const PREFIX = "{chore-stores}";
let server: TestRedis;
let redis: Redis;
beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe("RunInputs", () => {
  it("keeps values and files byte for byte, under the queue prefix, for at most its TTL", async () => {
    const inputs = new RunInputs(redis, PREFIX, 60_000);
    // Not UTF-8: an upload is bytes, whatever it holds.
    const bytes = Buffer.concat([randomBytes(64), Buffer.from([0xff, 0xfe, 0x00])]);
    expect(await inputs.save("run-1", { values: { account: "acme-1", note: "" }, files: { csv: { filename: "a.csv", bytes } } })).toBe(true);
    const loaded = await inputs.load("run-1");
    expect(loaded?.values).toEqual({ account: "acme-1", note: "" });
    expect(loaded?.files.csv?.filename).toBe("a.csv");
    expect(loaded?.files.csv?.bytes.equals(bytes)).toBe(true);
    const ttl = await redis.pttl(runInputsKey(PREFIX, "run-1"));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(runInputsKey(PREFIX, "run-1").startsWith(`${PREFIX}:`)).toBe(true);
  });

  it("keeps the first inputs a run was given: a second save changes nothing", async () => {
    const inputs = new RunInputs(redis, PREFIX);
    expect(await inputs.save("run-2", { values: { account: "first" }, files: {} })).toBe(true);
    expect(await inputs.save("run-2", { values: { account: "second" }, files: { csv: { filename: "x", bytes: Buffer.from("x") } } })).toBe(false);
    expect(await inputs.load("run-2")).toEqual({ values: { account: "first" }, files: {} });
  });

  it("has nothing once dropped, expired or never stored", async () => {
    const inputs = new RunInputs(redis, PREFIX, 1);
    expect(await inputs.load("never")).toBeNull();
    await inputs.save("run-3", { values: {}, files: {} });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await inputs.load("run-3")).toBeNull();
    const kept = new RunInputs(redis, PREFIX);
    await kept.save("run-4", { values: { a: "b" }, files: {} });
    await kept.drop("run-4");
    expect(await kept.load("run-4")).toBeNull();
  });
});

describe("ChoreRuns", () => {
  it("lists each chore's runs newest first, keeps the newest `limit`, and one place per run", async () => {
    const runs = new ChoreRuns(redis, PREFIX, 3);
    const unlock = { owner: "acme", repo: "widgets", name: "billing/unlock" };
    for (let day = 1; day <= 5; day++) await runs.record(unlock, `run-${day}`, `2026-12-0${day}T10:00:00Z`);
    // Asked again: it keeps its place.
    await runs.record(unlock, "run-4", "2026-12-09T10:00:00Z");
    await runs.record({ ...unlock, repo: "gadgets" }, "other", "2026-12-09T10:00:00Z");
    expect(await runs.recent("acme", "widgets", "billing/unlock", 10)).toEqual(["run-5", "run-4", "run-3"]);
    expect(await runs.recent("acme", "widgets", "billing/unlock", 1)).toEqual(["run-5"]);
    expect(await runs.recent("acme", "widgets", "billing/unlock", 0)).toEqual([]);
    expect(await runs.recent("acme", "gadgets", "billing/unlock", 10)).toEqual(["other"]);
    await runs.forget(unlock, "run-5");
    expect(await runs.recent("acme", "widgets", "billing/unlock", 10)).toEqual(["run-4", "run-3"]);
  });

  it("gives no two chores one key, however they are named", () => {
    const keys = [
      { owner: "a", repo: "b:c", name: "d" },
      { owner: "a:b", repo: "c", name: "d" },
      { owner: "a", repo: "b", name: "c:d" },
      { owner: "a", repo: "b", name: "c/d" },
    ].map((chore) => choreRunsKey(PREFIX, chore));
    expect(new Set(keys).size).toBe(keys.length);
  });
});
