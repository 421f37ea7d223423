import { describe, expect, it } from "vitest";
import type { ExecuteResult, RunJobData } from "../../../src/pipeline/job-data.js";
import type { ExecutionResult, IterationReport } from "../../../src/run-types.js";
import type { ParkInit, ParkedRun } from "../../../src/stores/parked-runs.js";
import { parkInterrupted } from "../../../src/steps/park-interrupted.js";

const description = { description: null, inputs: {}, concurrency: "self" as const, timeoutMs: null, env: null };
const iteration = { batchSize: 50, pauseMs: 0, counted: false, csv: null };
const data = {
  runId: "run-9",
  target: { owner: "acme", repo: "widgets", path: "chores/backfill.ts", chore: { name: "backfill", request: { requestedBy: "alice" } } },
} as unknown as RunJobData;
const record: IterationReport = {
  batchSize: 50,
  total: null,
  checkpoint: { seq: 2, done: 100, cursor: "100", at: "2026-12-01T10:00:00.000Z" },
  inFlight: { seq: 3, from: 101, items: 37 },
  resumedFrom: null,
  paused: false,
  finished: false,
  refused: 0,
};
const ended = (over: Partial<ExecutionResult>, isIteration = true): ExecuteResult =>
  ({
    process: { description: { ...description, ...(isIteration ? { iteration } : {}) }, provenance: { pullRequest: null } },
    execution: {
      status: "failed",
      exitCode: 1,
      signal: null,
      startedAt: "2026-12-01T09:59:00.000Z",
      finishedAt: "2026-12-01T10:00:01.000Z",
      durationMs: 61_000,
      output: { lines: [], omittedBytes: 0, omittedAt: null },
      message: "item 137 threw: boom; the checkpoint after item 100 is kept: Resume retries from item 101",
      report: {
        inputs: null,
        counters: {},
        progress: null,
        result: undefined,
        failReason: null,
        logs: [],
        droppedLogs: 0,
        rejectedLines: 0,
        iteration: record,
      },
      ...over,
    },
    runner: "host-a",
    attempt: 1,
  }) as unknown as ExecuteResult;

function fakeRuns() {
  const parks: ParkInit[] = [];
  let current: ParkedRun | null = null;
  const persisted: string[] = [];
  return {
    parks,
    persisted,
    deps: {
      runs: {
        park: async (init: ParkInit) => {
          parks.push(init);
          current = { ...init, approval: null, decision: null };
          return current;
        },
        read: async () => current,
        clear: async () => void (current = null),
      },
      inputs: { persist: async (runId: string) => void persisted.push(runId) },
    },
  };
}

describe("parkInterrupted, for an iteration", () => {
  it("parks an iteration whose item threw as interrupted, without a step, with its failure, and keeps its inputs", async () => {
    const { deps, parks, persisted } = fakeRuns();
    expect(await parkInterrupted(deps, data, ended({}))).toBe(true);
    expect(parks).toEqual([
      expect.objectContaining({
        runId: "run-9",
        kind: "interrupted",
        step: null,
        signal: null,
        deadline: null,
        attempt: 1,
        chore: "backfill",
        requestedBy: "alice",
        failure: "item 137 threw: boom; the checkpoint after item 100 is kept: Resume retries from item 101",
      }),
    ]);
    expect(persisted).toEqual(["run-9"]);
    // Parked by this attempt already: left as it is.
    expect(await parkInterrupted(deps, data, ended({}))).toBe(true);
    expect(parks).toHaveLength(1);
  });

  it("parks one that timed out, and one lost after it started (no failure)", async () => {
    const timedOut = fakeRuns();
    expect(await parkInterrupted(timedOut.deps, data, ended({ status: "timed_out", exitCode: null, signal: "SIGKILL", message: "timed out after 60 s" }))).toBe(
      true,
    );
    expect(timedOut.parks[0]).toMatchObject({ kind: "interrupted", step: null, failure: "timed out after 60 s" });
    const lost = fakeRuns();
    expect(await parkInterrupted(lost.deps, data, ended({ status: "interrupted", exitCode: null, message: "the iteration was interrupted" }))).toBe(true);
    expect(lost.parks[0]).toMatchObject({ kind: "interrupted", step: null });
    expect(lost.parks[0]!.failure ?? null).toBeNull();
  });

  it("parks nothing for an iteration that finished, was cancelled or never started, nor for a plain script that failed", async () => {
    for (const outcome of [
      ended({ status: "succeeded", exitCode: 0, message: null }),
      ended({ status: "cancelled", exitCode: null, signal: "SIGTERM", message: "cancelled by bob while running" }),
      ended({ status: "failed", exitCode: null, signal: null, message: "could not start node: ENOENT", report: undefined }),
      ended({}, false),
    ]) {
      const { deps, parks } = fakeRuns();
      expect(await parkInterrupted(deps, data, outcome)).toBe(false);
      expect(parks).toEqual([]);
    }
  });
});
