import { DelayedError, type Job } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunJobData } from "../../../src/pipeline/job-data.js";
import type { ExecutionResult, RunDecision } from "../../../src/run-types.js";
import { ParkedRuns } from "../../../src/stores/parked-runs.js";
import { RunSegments } from "../../../src/stores/run-segments.js";
import { parkPaused } from "../../../src/steps/park-paused.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const PREFIX = "{park-paused-test}";
const NOW = Date.parse("2026-12-01T10:00:00.000Z");

/** The little of a BullMQ job that parking touches: its log, live state and delay. */
function fakeJob(runId: string, chore: boolean) {
  const delays: number[] = [];
  const logs: string[] = [];
  const job = {
    data: {
      runId,
      target: {
        owner: "acme",
        repo: "widgets",
        path: "chores/backfill.ts",
        ...(chore ? { chore: { name: "backfill", request: { requestedBy: "alice" } } } : {}),
      },
    },
    progress: {},
    log: async (line: string) => void logs.push(line),
    updateProgress: async (progress: unknown) => void (job.progress = progress as object),
    moveToDelayed: async (until: number) => void delays.push(until),
  };
  return { job: job as unknown as Job<RunJobData>, delays, logs, live: () => job.progress as { waiting?: string } };
}

const execution = (done: number): ExecutionResult => ({
  status: "paused",
  exitCode: 0,
  signal: null,
  startedAt: "2026-12-01T09:59:00.000Z",
  finishedAt: "2026-12-01T09:59:59.000Z",
  durationMs: 59_000,
  output: { lines: [{ t: 5, stream: "stdout", text: "batch 7 done" }], omittedBytes: 0, omittedAt: null },
  message: null,
  report: {
    inputs: null,
    counters: {},
    progress: null,
    result: undefined,
    failReason: null,
    logs: [],
    droppedLogs: 0,
    rejectedLines: 0,
    iteration: {
      batchSize: 50,
      total: 1000,
      checkpoint: { seq: 7, done, cursor: "350", at: "2026-12-01T09:59:58.000Z" },
      inFlight: null,
      resumedFrom: null,
      paused: true,
      finished: false,
      refused: 0,
    },
  },
});
const request: RunDecision = { kind: "pause", by: "carol", via: "api", at: "2026-12-01T09:59:30.000Z" };

describe("parkPaused", () => {
  let server: TestRedis;
  let redis: Redis;
  let parked: ParkedRuns;
  let segments: RunSegments;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis({ host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null });
    parked = new ParkedRuns(redis, PREFIX);
    segments = new RunSegments(redis, PREFIX);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it("keeps the process's output as a segment, parks it paused without a deadline, answers the request, keeps its inputs, and delays the job on the same attempt", async () => {
    const runId = "paused-1";
    expect(await parked.requestPause(runId, request)).toEqual({ ok: true, request });
    const persisted: string[] = [];
    const { job, delays, live } = fakeJob(runId, true);
    const deps = { runs: parked, segments, inputs: { persist: async (id: string) => void persisted.push(id) }, recheckMs: 60_000 };
    await expect(
      parkPaused({ deps, job, token: "tok", attempt: 2, requestedBy: "alice", request, execution: execution(350), now: NOW }),
    ).rejects.toBeInstanceOf(DelayedError);
    expect(await parked.read(runId)).toMatchObject({
      kind: "paused",
      attempt: 2,
      step: null,
      signal: null,
      deadline: null,
      chore: "backfill",
      requestedBy: "alice",
      decision: null,
      since: new Date(NOW).toISOString(),
    });
    expect(await segments.all(runId)).toEqual([
      {
        startedAt: "2026-12-01T09:59:00.000Z",
        finishedAt: "2026-12-01T09:59:59.000Z",
        output: execution(350).output,
        parkedFor: "paused by carol after 350 items",
      },
    ]);
    expect(await parked.pauseRequest(runId)).toBeNull();
    // The request stays among the decisions, for the log.
    expect(await parked.decisions(runId)).toEqual([request]);
    expect(persisted).toEqual([runId]);
    // No deadline: it looks again a minute from now, as a wait does.
    expect(delays).toEqual([NOW + 60_000]);
    expect(live().waiting).toMatch(/paused/);
    // Paused, a second pause is refused; a Resume is taken.
    expect(await parked.requestPause(runId, { ...request, by: "dave" })).toMatchObject({ ok: false, refusal: "already_paused" });
    expect(await parked.decide(runId, { kind: "resume", by: "erin", via: "api", at: new Date(NOW + 1).toISOString() })).toMatchObject({
      ok: true,
      moves: true,
    });
  });

  it("parks a run paused before it started without a segment (nothing of it ran)", async () => {
    const runId = "paused-2";
    await parked.requestPause(runId, request);
    const { job } = fakeJob(runId, false);
    await expect(parkPaused({ deps: { runs: parked, segments }, job, token: "tok", attempt: 1, requestedBy: null, request, now: NOW })).rejects.toBeInstanceOf(
      DelayedError,
    );
    expect(await parked.read(runId)).toMatchObject({ kind: "paused", attempt: 1, chore: null });
    expect(await segments.all(runId)).toEqual([]);
    expect(await parked.pauseRequest(runId)).toBeNull();
  });
});
