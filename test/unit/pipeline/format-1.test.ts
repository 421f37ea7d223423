import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BundleStore } from "../../../src/stores/bundle-store.js";
import { ExecutionLedger } from "../../../src/stores/execution-ledger.js";
import { format1Keys, fullOutcomeOf, processResultOf } from "../../../src/pipeline/format-1.js";
import type { ExecuteResult } from "../../../src/pipeline/job-data.js";
import { runKey } from "../../../src/stores/run-key.js";
import { targetLogPath } from "../../../src/runlog/target-log-path.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const PREFIX = "{format-1-test}";
const provenance = { pullRequest: null, approvedBy: ["bob"], refusal: null };
const execution = {
  status: "succeeded" as const,
  exitCode: 0,
  signal: null,
  startedAt: "2026-11-02T10:00:00.000Z",
  finishedAt: "2026-11-02T10:00:01.000Z",
  durationMs: 1000,
  output: { lines: [], omittedBytes: 0, omittedAt: null },
  message: null,
};

describe("format 1's job values", () => {
  it("reads a process result with `code` and without `alreadyHandled`", () => {
    const old = { provenance, code: "redacted bundle", description: null, problem: null };
    expect(processResultOf(old)).toEqual({ provenance, alreadyHandled: null, description: null, problem: null });
  });

  it("tells a whole outcome (format 1's execute return value) from a summary", () => {
    const old = { process: { provenance, code: "x", description: null, problem: null }, execution, runner: "host-a", attempt: 1 };
    expect(fullOutcomeOf(old)).toEqual({ ...old, process: { provenance, alreadyHandled: null, description: null, problem: null } } satisfies ExecuteResult);
    expect(fullOutcomeOf({ attempt: 1, runner: "host-a", status: "succeeded", exitCode: 0, durationMs: 1, message: null })).toBeNull();
    expect(fullOutcomeOf(undefined)).toBeNull();
  });

  it("logs a target without committedAt at the flat path its release used", () => {
    const target = { path: "scripts/fix.ts", commit: "abcdef1234567890", config: { logsDir: "logs", scriptsDir: "scripts" } };
    expect(targetLogPath(target as never, 1)).toBe("logs/fix.ts-abcdef123456.md");
    expect(targetLogPath({ ...target, committedAt: "2026-11-30T23:00:00-02:00" } as never, 2)).toBe("logs/2026/12/fix.ts-abcdef123456-attempt-2.md");
  });
});

describe("format 1's Redis records", () => {
  let server: TestRedis;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.port);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it("BundleStore runs the bundle the old release stored, prefers its own, and drops both", async () => {
    const bundles = new BundleStore(redis, PREFIX);
    await redis.set(format1Keys.bundle(PREFIX, "run-1"), "old bundle");
    expect(await bundles.load("run-1")).toBe("old bundle");
    await bundles.save("run-1", "new bundle");
    expect(await bundles.load("run-1")).toBe("new bundle");
    await bundles.drop("run-1");
    expect(await bundles.load("run-1")).toBeNull();
  });

  it("ExecutionLedger honours a result the old release recorded, whatever is written since", async () => {
    const ledger = new ExecutionLedger(redis, PREFIX);
    await redis.hset(
      format1Keys.ledger(PREFIX, "run-2"),
      "attempt",
      1,
      "host",
      "old-host",
      "startedAt",
      execution.startedAt,
      "resultAttempt",
      1,
      "result",
      JSON.stringify(execution),
    );
    expect(await ledger.read("run-2")).toMatchObject({ attempt: 1, host: "old-host", resultAttempt: 1, result: { status: "succeeded" } });
    await ledger.start("run-2", 2, "new-host");
    const read = await ledger.read("run-2");
    expect(read).toMatchObject({ attempt: 2, host: "new-host", resultAttempt: 1, result: { status: "succeeded" } });
    expect(await redis.hget(runKey(PREFIX, "run-2"), "resultAttempt")).toBeNull();
  });

  it("ExecutionLedger reads a start the old release recorded without a result: the script may have run", async () => {
    const ledger = new ExecutionLedger(redis, PREFIX);
    await redis.hset(format1Keys.ledger(PREFIX, "run-3"), "attempt", 1, "host", "old-host", "startedAt", execution.startedAt);
    expect(await ledger.read("run-3")).toEqual({
      attempt: 1,
      host: "old-host",
      startedAt: new Date(execution.startedAt),
      resultAttempt: 0,
      result: null,
      output: null,
      workflow: null,
      resume: null,
      iteration: null,
    });
    expect(await ledger.read("run-none")).toEqual({
      attempt: 0,
      host: null,
      startedAt: null,
      resultAttempt: 0,
      result: null,
      output: null,
      workflow: null,
      resume: null,
      iteration: null,
    });
  });
});
