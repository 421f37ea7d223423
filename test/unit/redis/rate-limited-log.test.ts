import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { rateLimitedLog } from "../../../src/redis/rate-limited-log.js";

describe("rateLimitedLog", () => {
  it("logs the first line, then one per period with how many were left out, Redis errors without a stack", () => {
    const lines: Record<string, any>[] = [];
    const log = pino(new Writable({ write: (chunk, _e, done) => (lines.push(JSON.parse(chunk.toString())), done()) }));
    let now = 0;
    const limited = rateLimitedLog(log, `test-${Math.random()}`, 60_000, () => now);
    const oom = new Error("OOM command not allowed when used memory > 'maxmemory'.");
    for (let i = 0; i < 100; i++) {
      limited.error({ queue: "execute", err: oom }, "worker error");
      now += 100;
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ queue: "execute", err: "OOM command not allowed when used memory > 'maxmemory'.", msg: "worker error" });
    now = 60_000;
    limited.warn({ err: new Error("a bug") }, "worker error");
    expect(lines).toHaveLength(2);
    expect(lines[1]!.msg).toBe("worker error (99 more like it in the last 60 s not logged)");
    // Not a Redis refusal: logged with its stack as usual.
    expect(lines[1]!.err.stack).toContain("a bug");
  });
});
