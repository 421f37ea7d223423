import { describe, expect, it } from "vitest";
import {
  classifyRedisError,
  decideStartup,
  judgeHealth,
  judgeSettings,
  parseInfo,
  refusalMessage,
  shortError,
  worstHealth,
} from "../../../src/redis/redis-info.js";

const memory = (policy: string, used = 1000, max = 0) =>
  `# Memory\r\nused_memory:${used}\r\nused_memory_human:1K\r\nmaxmemory:${max}\r\nmaxmemory_human:0B\r\nmaxmemory_policy:${policy}\r\n`;
const persistence = (aof: 0 | 1) => `# Persistence\r\nloading:0\r\nrdb_changes_since_last_save:0\r\naof_enabled:${aof}\r\n`;

describe("parseInfo", () => {
  it("reads fields across sections, skipping headers and blank lines", () => {
    const fields = parseInfo(`${memory("noeviction")}\r\n${persistence(1)}`);
    expect(fields.get("maxmemory_policy")).toBe("noeviction");
    expect(fields.get("aof_enabled")).toBe("1");
    expect(fields.has("# Memory")).toBe(false);
  });
});

describe("judgeSettings + decideStartup", () => {
  it("starts quietly on noeviction with AOF", () => {
    const judgement = judgeSettings(memory("noeviction") + persistence(1), "", "r:1");
    expect(decideStartup([{ node: "r:1", judgement }])).toEqual({ refusal: null, warnings: [] });
  });

  it("counts a non-empty `save` as RDB persistence", () => {
    const judgement = judgeSettings(memory("noeviction") + persistence(0), "3600 1 300 100", "r:1");
    expect(judgement.persistence).toEqual({ state: "on" });
    expect(decideStartup([{ node: "r:1", judgement }]).warnings).toEqual([]);
  });

  it.each(["allkeys-lru", "volatile-lru", "allkeys-random", "volatile-ttl", "allkeys-lfu"])("refuses %s, saying BullMQ loses jobs", (policy) => {
    const judgement = judgeSettings(memory(policy) + persistence(1), "", "r:1");
    const { refusal } = decideStartup([{ node: "r:1", judgement }]);
    expect(refusal).toContain(`maxmemory-policy ${policy}`);
    expect(refusal).toContain("noeviction");
    expect(refusal).toContain("BullMQ loses jobs");
    expect(refusal).not.toContain("\n");
  });

  it("warns once when neither AOF nor RDB is on", () => {
    const judgement = judgeSettings(memory("noeviction") + persistence(0), "", "r:1");
    const decision = decideStartup([{ node: "r:1", judgement }]);
    expect(decision.refusal).toBeNull();
    expect(decision.warnings).toHaveLength(1);
    expect(decision.warnings[0]).toMatch(/neither AOF nor RDB/);
  });

  it("says 'could not tell' (a warning, never a refusal) when CONFIG is refused or INFO lacks fields", () => {
    const refused = decideStartup([{ node: "r:1", judgement: judgeSettings(memory("noeviction") + persistence(0), null, "r:1") }]);
    expect(refused.refusal).toBeNull();
    expect(refused.warnings).toEqual([expect.stringMatching(/could not tell whether Redis persists.*CONFIG GET save was refused/)]);
    const bare = decideStartup([{ node: "r:1", judgement: judgeSettings("", null, "r:1") }]);
    expect(bare.refusal).toBeNull();
    expect(bare.warnings).toHaveLength(2);
    expect(bare.warnings[0]).toMatch(/could not tell the eviction policy/);
    expect(bare.warnings[1]).toMatch(/could not tell whether Redis persists/);
  });

  it("judges every master of a cluster: one refusal names the evicting one, one persistence warning for all", () => {
    const decision = decideStartup([
      { node: "a:1", judgement: judgeSettings(memory("noeviction") + persistence(0), "", "a:1") },
      { node: "b:2", judgement: judgeSettings(memory("allkeys-lru") + persistence(0), "", "b:2") },
      { node: "c:3", judgement: judgeSettings(memory("noeviction") + persistence(1), "", "c:3") },
    ]);
    expect(decision.refusal).toMatch(/^Redis b:2 has maxmemory-policy allkeys-lru/);
    expect(decision.warnings).toEqual([expect.stringMatching(/^Redis a:1, b:2 has neither AOF nor RDB/)]);
  });
});

describe("classifyRedisError", () => {
  it("tells OOM, READONLY and connection errors from others", () => {
    expect(classifyRedisError(new Error("OOM command not allowed when used memory > 'maxmemory'."))).toBe("oom");
    expect(classifyRedisError(new Error("EXECABORT Transaction discarded because of previous errors: OOM command not allowed"))).toBe("oom");
    expect(classifyRedisError(new Error("READONLY You can't write against a read only replica."))).toBe("readonly");
    expect(classifyRedisError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6379"), { code: "ECONNREFUSED" }))).toBe("down");
    expect(classifyRedisError(new Error("Connection is closed."))).toBe("down");
    expect(classifyRedisError(new Error("Command timed out"))).toBe("down");
    expect(classifyRedisError(new Error("wrapped", { cause: new Error("OOM command not allowed") }))).toBe("oom");
    // ioredis' EXECABORT carries the refused commands' errors.
    const execAbort = Object.assign(new Error("EXECABORT Transaction discarded because of previous errors."), {
      previousErrors: [new Error("OOM command not allowed when used memory > 'maxmemory'.")],
    });
    expect(classifyRedisError(execAbort)).toBe("oom");
    expect(classifyRedisError(new Error("Missing key for job 1. moveToFinished"))).toBeNull();
    expect(classifyRedisError("OOM")).toBeNull();
  });
});

describe("judgeHealth", () => {
  const now = 1;
  it("is ok when Redis answers and takes the write", () => {
    expect(judgeHealth({ info: memory("noeviction", 500, 1000), probeError: null, now })).toEqual({
      up: true,
      writable: true,
      usedMemory: 500,
      maxmemory: 1000,
      refusal: null,
      reason: null,
      checkedAt: now,
    });
  });

  it("is full when used_memory reaches maxmemory under noeviction, or a write is refused with OOM", () => {
    expect(judgeHealth({ info: memory("noeviction", 1000, 1000), probeError: null, now })).toMatchObject({ up: true, writable: false, refusal: "oom" });
    expect(judgeHealth({ info: memory("noeviction", 10, 1000), probeError: new Error("OOM command not allowed"), now })).toMatchObject({ refusal: "oom" });
    // No limit: never full by the numbers.
    expect(judgeHealth({ info: memory("noeviction", 10_000, 0), probeError: null, now }).refusal).toBeNull();
  });

  it("is read-only on READONLY and down without an answer, naming no address", () => {
    expect(judgeHealth({ info: memory("noeviction"), probeError: new Error("READONLY You can't write against a read only replica."), now })).toMatchObject({
      up: true,
      writable: false,
      refusal: "readonly",
    });
    const down = judgeHealth({ info: null, infoError: new Error("connect ECONNREFUSED 10.0.0.5:6379"), probeError: null, now });
    expect(down).toMatchObject({ up: false, writable: false, refusal: "down" });
    expect(down.reason).not.toContain("10.0.0.5");
  });

  it("worstHealth: any refusing master counts, memory of the fullest", () => {
    const ok = judgeHealth({ info: memory("noeviction", 100, 1000), probeError: null, now });
    const full = judgeHealth({ info: memory("noeviction", 900, 900), probeError: null, now });
    expect(worstHealth([ok, full])).toMatchObject({ refusal: "oom", usedMemory: 900, maxmemory: 900 });
  });
});

describe("messages", () => {
  it("tell the operator what to do, without secrets", () => {
    expect(refusalMessage("oom")).toBe(
      "chorebot cannot queue this delivery: Redis is full (maxmemory reached); redeliver it from the App's advanced settings once Redis accepts writes again",
    );
    expect(shortError(new Error("connect to redis://user:hunter2@db.internal:6379 failed"))).not.toContain("hunter2");
    expect(shortError(Object.assign(new Error("x"), { code: "ECONNRESET" }))).toBe("ECONNRESET");
  });
});
