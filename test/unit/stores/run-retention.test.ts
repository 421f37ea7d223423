import { Job, Queue, QueueEvents } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ParkedRuns } from "../../../src/stores/parked-runs.js";
import { runKey } from "../../../src/stores/run-key.js";
import { RunRetention } from "../../../src/stores/run-retention.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { runPipeline, type RunPipeline } from "../api/run-pipeline.js";

const PREFIX = "{retention-test}";
const COMPLETED_MS = 60_000;
const FAILED_MS = 600_000;
const SCHEDULED_MS = 10_000;

describe("RunRetention", () => {
  let redis: TestRedis;
  let pipeline: RunPipeline;
  let discover: Queue;
  let index: Queue;
  let schedule: Queue;
  let cleanupEvents: QueueEvents;
  let retention: RunRetention;
  let commit = 0;

  beforeAll(async () => {
    redis = await startRedis();
    const connection = { host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null };
    pipeline = await runPipeline(connection, PREFIX);
    discover = new Queue("discover", { connection, prefix: PREFIX });
    index = new Queue("index", { connection, prefix: PREFIX });
    schedule = new Queue("schedule", { connection, prefix: PREFIX });
    cleanupEvents = new QueueEvents("cleanup", { connection, prefix: PREFIX });
    await cleanupEvents.waitUntilReady();
    retention = new RunRetention(
      pipeline.redis,
      PREFIX,
      { ...pipeline.queues, discover, index, schedule },
      { completedMs: COMPLETED_MS, failedMs: FAILED_MS, scheduledMs: SCHEDULED_MS },
    );
  });
  afterAll(async () => {
    await cleanupEvents?.close();
    await discover?.close();
    await index?.close();
    await schedule?.close();
    await pipeline?.close();
    await redis?.stop();
  });

  /** Runs `path` to its recorded end as the plan says, and records it as the cleanup step does. */
  async function finishedRun(path: string, plan: Parameters<RunPipeline["add"]>[1]): Promise<{ runId: string; recordedAt: number }> {
    const runId = await pipeline.add(path, plan, String(++commit).padStart(40, "0"));
    await (await Job.fromId(pipeline.queues.cleanup, runId))!.waitUntilFinished(cleanupEvents);
    const recordedAt = Date.now();
    await retention.recorded(runId, { now: recordedAt });
    return { runId, recordedAt };
  }

  async function traces(runId: string) {
    const jobs = await Promise.all(Object.values(pipeline.queues).map((queue) => Job.fromId(queue, runId)));
    return { jobs: jobs.filter(Boolean).length, hash: await pipeline.redis.exists(runKey(PREFIX, runId)) };
  }

  it("keeps a finished run for the window, then removes its jobs and its hash", async () => {
    const { runId, recordedAt } = await finishedRun("scripts/done.ts", { execute: { kind: "finish", status: "succeeded" } });
    expect(await traces(runId)).toEqual({ jobs: 3, hash: 1 });

    expect(await retention.sweep(recordedAt + COMPLETED_MS - 1)).toEqual([]);
    expect(await traces(runId)).toEqual({ jobs: 3, hash: 1 });

    expect(await retention.sweep(recordedAt + COMPLETED_MS + 1)).toEqual([runId]);
    expect(await traces(runId)).toEqual({ jobs: 0, hash: 0 });
    expect(await pipeline.redis.zscore(`${PREFIX}:retention`, runId)).toBeNull();
  });

  it("keeps a scheduled chore's run only for the shorter scheduled window (its day's digest is the record)", async () => {
    const runId = await pipeline.add("chores/purge.ts", { execute: { kind: "finish", status: "succeeded" } }, String(++commit).padStart(40, "0"));
    await (await Job.fromId(pipeline.queues.cleanup, runId))!.waitUntilFinished(cleanupEvents);
    const recordedAt = Date.now();
    await retention.recorded(runId, { now: recordedAt, scheduled: true });
    expect(await retention.sweep(recordedAt + SCHEDULED_MS - 1)).toEqual([]);
    expect(await retention.sweep(recordedAt + SCHEDULED_MS + 1)).toEqual([runId]);
    expect(await traces(runId)).toEqual({ jobs: 0, hash: 0 });
  });

  it("keeps a run whose execute failed (the Retry list) for the failed-job window from that failure", async () => {
    const { runId, recordedAt } = await finishedRun("scripts/lost.ts", { execute: { kind: "crash" } });
    const failedOn = (await Job.fromId(pipeline.queues.execute, runId))!.finishedOn!;
    expect(await pipeline.queues.execute.getJobState(runId)).toBe("failed");

    expect(await retention.sweep(recordedAt + COMPLETED_MS + 1)).toEqual([]);
    expect(await traces(runId)).toEqual({ jobs: 3, hash: 1 });
    expect(Number(await pipeline.redis.zscore(`${PREFIX}:retention`, runId))).toBe(failedOn + FAILED_MS);

    expect(await retention.sweep(failedOn + FAILED_MS + 1)).toEqual([runId]);
    expect(await traces(runId)).toEqual({ jobs: 0, hash: 0 });
  });

  it("never removes a parked run (interrupted, or waiting): it stays with its hash, and goes once it is no longer parked", async () => {
    const { runId, recordedAt } = await finishedRun("scripts/interrupted.ts", { execute: { kind: "crash" } });
    const failedOn = (await Job.fromId(pipeline.queues.execute, runId))!.finishedOn!;
    const parked = new ParkedRuns(pipeline.redis, PREFIX);
    await parked.park({
      runId,
      kind: "interrupted",
      owner: "acme",
      repo: "widgets",
      chore: null,
      since: new Date(failedOn).toISOString(),
      attempt: 1,
      signal: null,
      step: "charge",
      deadline: null,
      pullRequest: null,
      requestedBy: "alice",
      approval: null,
    });
    // Long past every window: still there, looked at again a window later.
    const later = failedOn + FAILED_MS + COMPLETED_MS + 1;
    expect(await retention.sweep(later)).toEqual([]);
    expect(await traces(runId)).toEqual({ jobs: 3, hash: 1 });
    expect(Number(await pipeline.redis.zscore(`${PREFIX}:retention`, runId))).toBe(later + COMPLETED_MS);
    expect(recordedAt).toBeLessThan(later);

    await parked.clear(runId);
    expect(await retention.sweep(later + COMPLETED_MS + 1)).toEqual([runId]);
    expect(await traces(runId)).toEqual({ jobs: 0, hash: 0 });
  });

  it("never removes a paused iteration, nor one interrupted after it failed: both stay, with their checkpoint, until they are no longer parked", async () => {
    const parked = new ParkedRuns(pipeline.redis, PREFIX);
    const park = (runId: string, kind: "paused" | "interrupted", since: number) =>
      parked.park({
        runId,
        kind,
        owner: "acme",
        repo: "widgets",
        chore: null,
        since: new Date(since).toISOString(),
        attempt: 1,
        signal: null,
        step: null,
        ...(kind === "interrupted" ? { failure: "item 137 threw: boom" } : {}),
        deadline: null,
        pullRequest: null,
        requestedBy: "alice",
        approval: null,
      });
    const paused = await finishedRun("scripts/paused-backfill.ts", { execute: { kind: "finish", status: "succeeded" } });
    const failed = await finishedRun("scripts/failed-backfill.ts", { execute: { kind: "crash" } });
    await park(paused.runId, "paused", paused.recordedAt);
    await park(failed.runId, "interrupted", failed.recordedAt);
    await pipeline.redis.hset(runKey(PREFIX, paused.runId), "iteration", JSON.stringify({ attempt: 1, checkpoint: { seq: 3 } }));
    const later = Math.max(paused.recordedAt, failed.recordedAt) + FAILED_MS + COMPLETED_MS + 1;
    expect(await retention.sweep(later)).toEqual([]);
    expect(await traces(paused.runId)).toMatchObject({ hash: 1 });
    expect(await traces(failed.runId)).toMatchObject({ hash: 1 });
    expect(await pipeline.redis.hexists(runKey(PREFIX, paused.runId), "iteration")).toBe(1);

    // Resumed and finished: no longer parked, it goes like any run.
    await parked.clear(paused.runId);
    expect(await retention.sweep(later + COMPLETED_MS + 1)).toEqual([paused.runId]);
    expect(await traces(failed.runId)).toMatchObject({ hash: 1 });
  });

  it("does not remove a run that is busy again (a person's retry), and looks again a window later", async () => {
    const { runId, recordedAt } = await finishedRun("scripts/again.ts", { execute: { kind: "finish", status: "failed" } });
    pipeline.replan(runId, { execute: { kind: "hold" } });
    await pipeline.retryExecute(runId);
    const now = recordedAt + COMPLETED_MS + 1;
    expect(await retention.sweep(now)).toEqual([]);
    expect(Number(await pipeline.redis.zscore(`${PREFIX}:retention`, runId))).toBe(now + COMPLETED_MS);
    expect((await traces(runId)).jobs).toBe(3);
    pipeline.release(runId);
  });

  it("removes a run whose jobs someone cleaned already: what is left of it goes", async () => {
    const { runId, recordedAt } = await finishedRun("scripts/cleaned.ts", { execute: { kind: "finish", status: "succeeded" } });
    for (const queue of Object.values(pipeline.queues)) await queue.remove(runId);
    expect(await traces(runId)).toEqual({ jobs: 0, hash: 1 });
    expect(await retention.sweep(recordedAt + COMPLETED_MS + 1)).toEqual([runId]);
    expect(await traces(runId)).toEqual({ jobs: 0, hash: 0 });
  });
});
