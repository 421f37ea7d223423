import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pauseRun } from "../../../src/pipeline/pause-run.js";
import { ExecutionLedger } from "../../../src/stores/execution-ledger.js";
import { ParkedRuns, type ParkInit } from "../../../src/stores/parked-runs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { runJobs } from "./iteration-run-fixture.js";
import { parkedRecord } from "../../helpers/parked-record.js";

const PREFIX = "{pause-run-test}";
const alice = { by: "alice", via: "api" } as const;
const resumeBy = (by: string) => ({ kind: "resume", by, via: "page", at: "2026-12-06T10:05:00.000Z" }) as const;

function parkInit(runId: string, over: Partial<ParkInit>): ParkInit {
  return parkedRecord(runId, { kind: "paused", chore: "billing/unlock", since: "2026-12-06T10:00:00.000Z", requestedBy: "alice", ...over });
}

describe("pauseRun", () => {
  let redis: TestRedis;
  let client: Redis;
  let parked: ParkedRuns;
  let jobs: ReturnType<typeof runJobs>;
  const deps = () => ({ parked, execute: jobs.execute });

  beforeAll(async () => {
    redis = await startRedis();
    const connection = { host: "127.0.0.1", port: redis.port };
    client = new Redis({ ...connection, maxRetriesPerRequest: null });
    parked = new ParkedRuns(client, PREFIX);
    jobs = runJobs(connection, PREFIX);
  });
  beforeEach(async () => {
    await client.flushall();
  });
  afterAll(async () => {
    await jobs?.close();
    client?.disconnect();
    await redis?.stop();
  });

  it("asks a running iteration to pause: 202 words, the request kept for its worker and recorded among its decisions", async () => {
    const runId = await jobs.add();
    const answer = await pauseRun(deps(), runId, alice);
    expect(answer).toMatchObject({
      ok: true,
      request: { kind: "pause", by: "alice", via: "api" },
      message: "pausing: it stops after its current batch, keeping its checkpoint; Resume goes on from there",
    });
    expect(await parked.pauseRequest(runId)).toMatchObject({ kind: "pause", by: "alice" });
    expect((await parked.decisions(runId)).map((d) => `${d.kind}:${d.by}`)).toEqual(["pause:alice"]);
    // Nothing parks the run: its worker does, at its next checkpoint.
    expect(await parked.read(runId)).toBeNull();
  });

  it("of two pauses at once takes one; the other is told who asked first and when", async () => {
    const runId = await jobs.add();
    const answers = await Promise.all([pauseRun(deps(), runId, alice), pauseRun(deps(), runId, { by: "bob", via: "page" })]);
    const taken = answers.filter((a) => a.ok);
    const refused = answers.filter((a) => !a.ok);
    expect(taken).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const first = (taken[0] as { request: { by: string; at: string } }).request;
    expect(refused[0]).toEqual({
      ok: false,
      status: 409,
      refusal: "pause_requested",
      message: `a pause was already asked for by @${first.by} at ${first.at}: it stops after its current batch`,
    });
    expect(await parked.decisions(runId)).toHaveLength(1);
  });

  it("refuses a run that is paused already, or parked another way (waiting, interrupted), and records nothing", async () => {
    const paused = await jobs.add();
    await parked.park(parkInit(paused, {}));
    const waiting = await jobs.add();
    await parked.park(parkInit(waiting, { kind: "waiting", signal: "approval", approval: { count: 1 } }));
    const interrupted = await jobs.add();
    await parked.park(parkInit(interrupted, { kind: "interrupted" }));
    expect(await pauseRun(deps(), paused, alice)).toMatchObject({
      status: 409,
      refusal: "already_paused",
      message: "this run is paused already (since 2026-12-06T10:00:00.000Z): Resume goes on from its checkpoint",
    });
    expect(await pauseRun(deps(), waiting, alice)).toMatchObject({ status: 409, refusal: "not_running", message: expect.stringContaining("waiting") });
    expect(await pauseRun(deps(), interrupted, alice)).toMatchObject({
      status: 409,
      refusal: "not_running",
      message: "this run is not running: it was interrupted; Resume goes on from its last checkpoint",
    });
    for (const runId of [paused, waiting, interrupted]) {
      expect(await parked.pauseRequest(runId)).toBeNull();
      expect(await parked.decisions(runId)).toEqual([]);
    }
  });

  it("refuses an interrupted iteration whose execute job failed (the parked record says so), not as finished", async () => {
    const runId = await jobs.add();
    await jobs.finish(runId, "failed");
    await parked.park(parkInit(runId, { kind: "interrupted", failure: "item 137 threw" }));
    expect(await pauseRun(deps(), runId, alice)).toMatchObject({ status: 409, refusal: "not_running" });
    expect(await parked.pauseRequest(runId)).toBeNull();
  });

  it("refuses an unknown run (404), a run that is not an iteration, one not prepared yet, and a finished one (409), asking nothing", async () => {
    expect(await pauseRun(deps(), "run-nope", alice)).toMatchObject({ ok: false, status: 404, refusal: "unknown" });
    // Each run's jobs are taken in the order they were queued (see runJobs): the finished ones first.
    const done = await jobs.add();
    await jobs.finish(done, "completed");
    const failed = await jobs.add();
    await jobs.finish(failed, "failed");
    for (const runId of [done, failed]) {
      expect(await pauseRun(deps(), runId, alice)).toMatchObject({ status: 409, refusal: "finished", message: "this run is over: there is nothing to pause" });
    }
    const plain = await jobs.add({ kind: "plain" });
    const script = await jobs.add({ kind: "script" });
    for (const runId of [plain, script]) {
      expect(await pauseRun(deps(), runId, alice)).toEqual({
        ok: false,
        status: 409,
        refusal: "not_iteration",
        message: "only an iteration can be paused; this run is not one",
      });
    }
    const unprepared = await jobs.add({ unprepared: true });
    expect(await pauseRun(deps(), unprepared, alice)).toMatchObject({ status: 409, refusal: "not_prepared" });
    for (const runId of [plain, script, unprepared, done, failed]) {
      expect(await parked.pauseRequest(runId)).toBeNull();
      expect(await parked.decisions(runId)).toEqual([]);
    }
  });

  // A Resume decided and not picked up yet: the run is about to go on, so the pause is taken as
  // one asked while it is queued (its worker looks for it before it goes on), not refused as paused.
  it("takes a pause of a paused or interrupted iteration whose Resume is decided but not picked up yet", async () => {
    const paused = await jobs.add();
    await parked.park(parkInit(paused, {}));
    const interrupted = await jobs.add();
    await parked.park(parkInit(interrupted, { kind: "interrupted", failure: "item 137 threw" }));
    for (const runId of [paused, interrupted]) {
      expect((await parked.decide(runId, resumeBy("bob"))).ok).toBe(true);
      const answer = await pauseRun(deps(), runId, alice);
      expect(answer).toMatchObject({
        ok: true,
        request: { kind: "pause", by: "alice" },
        message:
          "pausing: the Resume by @bob at 2026-12-06T10:05:00.000Z has not started yet, so it pauses again before it goes on, keeping its checkpoint; Resume goes on from there",
      });
      expect(await parked.pauseRequest(runId)).toMatchObject({ kind: "pause", by: "alice" });
      // The Resume stands: its worker goes on, finds the request, and parks the run paused again before it goes on.
      expect((await parked.read(runId))?.decision).toMatchObject({ kind: "resume", by: "bob" });
      expect((await parked.decisions(runId)).map((d) => `${d.kind}:${d.by}`)).toEqual(["resume:bob", "pause:alice"]);
      // A second one is refused as a pause asked already, naming who.
      expect(await pauseRun(deps(), runId, { by: "carol", via: "cli" })).toMatchObject({
        status: 409,
        refusal: "pause_requested",
        message: expect.stringContaining("@alice"),
      });
    }
  });

  it("takes a pause of an iteration whose run-time approvals are all given, not started yet: it pauses before it starts", async () => {
    const runId = await jobs.add();
    await parked.park(parkInit(runId, { kind: "waiting", signal: "approval", approval: { count: 1 } }));
    // Short of its approvals it waits for a decision: refused, as before.
    expect(await pauseRun(deps(), runId, alice)).toMatchObject({ status: 409, refusal: "not_running" });
    expect(await parked.decide(runId, { kind: "approve", by: "bob", via: "page", at: "2026-12-06T10:05:00.000Z" })).toMatchObject({ ok: true, moves: true });
    expect(await pauseRun(deps(), runId, alice)).toMatchObject({
      ok: true,
      message: "pausing: it was approved and has not started yet, so it pauses before it starts; Resume starts it",
    });
    expect(await parked.pauseRequest(runId)).toMatchObject({ by: "alice" });
  });

  it("refuses a pause of a parked iteration whose decision ends it (a cancel), saying so, and records nothing", async () => {
    const runId = await jobs.add();
    await parked.park(parkInit(runId, {}));
    expect((await parked.decide(runId, { kind: "cancel", by: "bob", via: "api", at: "2026-12-06T10:05:00.000Z" })).ok).toBe(true);
    expect(await pauseRun(deps(), runId, alice)).toEqual({
      ok: false,
      status: 409,
      refusal: "ending",
      message: "this run is ending: @bob cancelled it at 2026-12-06T10:05:00.000Z, and nothing more of it runs",
    });
    expect(await parked.pauseRequest(runId)).toBeNull();
    expect((await parked.decisions(runId)).map((d) => d.kind)).toEqual(["cancel"]);
  });

  // Its worker recorded the result and answered the pauses asked so far; its job is still active
  // until the worker returns. A pause taken then would stay in the finished run's hash for good.
  it("refuses a pause once the run's result is recorded, though its job is still active, and leaves nothing behind", async () => {
    const runId = await jobs.add();
    const at = "2026-12-06T10:00:00.000Z";
    await new ExecutionLedger(client, PREFIX).finish(runId, 1, {
      status: "succeeded",
      exitCode: 0,
      signal: null,
      startedAt: at,
      finishedAt: at,
      durationMs: 0,
      message: null,
    } as never);
    expect(await pauseRun(deps(), runId, alice)).toEqual({
      ok: false,
      status: 409,
      refusal: "finished",
      message: "this run is over: there is nothing to pause",
    });
    expect(await parked.pauseRequest(runId)).toBeNull();
    expect(await parked.decisions(runId)).toEqual([]);
  });

  it("takes a pause again once the worker answered the first (the request cleared)", async () => {
    const runId = await jobs.add();
    expect((await pauseRun(deps(), runId, alice)).ok).toBe(true);
    await parked.clearPauseRequest(runId);
    expect((await pauseRun(deps(), runId, { by: "bob", via: "cli" })).ok).toBe(true);
    expect((await parked.decisions(runId)).map((d) => `${d.kind}:${d.by}:${d.via}`)).toEqual(["pause:alice:api", "pause:bob:cli"]);
  });
});
