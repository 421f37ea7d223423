import { describe, expect, it } from "vitest";
import type { WorkflowReport } from "../../../src/run-types.js";
import type { LedgerEntry } from "../../../src/stores/execution-ledger.js";
import { failedAttemptExecution } from "../../../src/steps/lost-execution.js";

const processedOn = new Date("2026-12-01T10:00:00Z");
const finishedOn = new Date("2026-12-01T10:01:00Z");
const entry = (over: Partial<LedgerEntry>): LedgerEntry => ({
  attempt: 0,
  host: null,
  startedAt: null,
  resultAttempt: 0,
  result: null,
  output: null,
  workflow: null,
  resume: null,
  iteration: null,
  ...over,
});
const record = (e: LedgerEntry, attempt = 1) =>
  failedAttemptExecution({ entry: e, attempt, reason: "job stalled more than allowable limit", processedOn, finishedOn });

describe("failedAttemptExecution", () => {
  it("records what the script did when it finished but its worker could not complete the job", () => {
    const result = {
      status: "succeeded" as const,
      exitCode: 0,
      signal: null,
      startedAt: "2026-12-01T10:00:01.000Z",
      finishedAt: "2026-12-01T10:00:02.000Z",
      durationMs: 1000,
      message: null,
    };
    const execution = record(entry({ attempt: 1, startedAt: new Date(result.startedAt), resultAttempt: 1, result }));
    expect(execution).toMatchObject({ status: "succeeded", exitCode: 0, durationMs: 1000, output: { lines: [] } });
    expect(execution.message).toBe(
      "the script finished (exit code 0), but its worker lost its claim on the job before it could record the run (job stalled more than allowable limit); its output was not kept",
    );
  });

  it("is lost when the attempt started the script and recorded no result", () => {
    const execution = record(entry({ attempt: 2, startedAt: new Date("2026-12-01T10:00:05Z"), resultAttempt: 1, result: null }), 2);
    expect(execution).toMatchObject({ status: "lost", startedAt: "2026-12-01T10:00:05.000Z", finishedAt: finishedOn.toISOString() });
    expect(execution.message).toContain("the script may have partly run");
  });

  it("keeps the output its worker saved while it ran, and runs from the ledger's start to when the loss was noticed", () => {
    const output = { lines: [{ t: 5, stream: "stdout" as const, text: "connecting to db-replica-3" }], omittedBytes: 120, omittedAt: 0 };
    const startedAt = new Date("2026-12-01T10:00:05Z");
    const execution = record(entry({ attempt: 1, startedAt, output: { attempt: 1, output } }));
    expect(execution).toMatchObject({ status: "lost", output, startedAt: startedAt.toISOString(), finishedAt: finishedOn.toISOString(), durationMs: 55_000 });
  });

  it("shows no other attempt's output, and says when a finished script's output is only its tail", () => {
    const output = { lines: [{ t: 5, stream: "stdout" as const, text: "attempt 1 was here" }], omittedBytes: 0, omittedAt: null };
    const second = record(entry({ attempt: 2, startedAt: new Date("2026-12-01T10:00:05Z"), output: { attempt: 1, output } }), 2);
    expect(second.output.lines).toEqual([]);
    const result = { status: "failed" as const, exitCode: 1, signal: null, startedAt: "", finishedAt: "", durationMs: 1, message: null };
    const finished = record(entry({ attempt: 1, resultAttempt: 1, result, output: { attempt: 1, output } }));
    expect(finished.output).toEqual(output);
    expect(finished.message).toContain("only the last lines of its output saved while it ran were kept");
  });

  it("carries the workflow record its attempt saved, saying which steps completed; nothing more happens on its own", () => {
    const step = (name: string) => ({
      step: name,
      direction: "run" as const,
      outcome: "succeeded" as const,
      startedAt: "",
      durationMs: 1,
      error: null,
      changes: [],
      moreChanges: 0,
    });
    const report = {
      declared: ["reserve", "charge", "ship"].map((name) => ({ name, rollback: true })),
      entries: [step("reserve"), step("charge")],
      state: { reserved: 1 },
    };
    const startedAt = new Date("2026-12-01T10:00:05Z");
    const execution = record(entry({ attempt: 1, startedAt, workflow: { attempt: 1, report } }));
    expect(execution.status).toBe("lost");
    expect(execution.report?.workflow).toEqual(report);
    expect(execution.message).toMatch(/the script may have partly run .*; steps completed: reserve, charge; nothing is re-run or rolled back on its own$/);
    // Another attempt's record is not this one's.
    const retry = record(entry({ attempt: 2, startedAt, workflow: { attempt: 1, report } }), 2);
    expect(retry).not.toHaveProperty("report");
    expect(retry.message).not.toContain("steps completed");
  });

  it("failed, not lost, when the attempt never started the script", () => {
    const execution = record(entry({ attempt: 1 }), 2);
    expect(execution).toMatchObject({ status: "failed", startedAt: processedOn.toISOString() });
    expect(execution.message).toContain("chorebot could not start the script");
  });

  it("records a workflow lost mid-way as interrupted, naming its step, its record kept, never to run again on its own", () => {
    const declared = [
      { name: "reserve", rollback: true },
      { name: "charge", rollback: true },
    ];
    const done = { step: "reserve", direction: "run", outcome: "succeeded", error: null, changes: [], moreChanges: 0 };
    const report = { declared, entries: [done], state: { reserved: true } } as unknown as WorkflowReport;
    const started = entry({ attempt: 1, startedAt: new Date("2026-12-01T10:00:05Z"), workflow: { attempt: 1, report } });
    const execution = failedAttemptExecution({
      entry: started,
      attempt: 1,
      reason: "job stalled more than allowable limit",
      processedOn,
      finishedOn,
      declared,
    });
    expect(execution.status).toBe("interrupted");
    expect(execution.message).toBe(
      "step charge was interrupted: its worker stopped (job stalled more than allowable limit); it is not run again on its own: Resume or Roll back",
    );
    expect(execution.report?.workflow).toEqual(report);
    // A resumed attempt lost before it saved anything: the record so far is still the earlier one.
    const resumed = failedAttemptExecution({ entry: { ...started, attempt: 2 }, attempt: 2, reason: "stalled", processedOn, finishedOn, declared });
    expect(resumed).toMatchObject({ status: "interrupted", message: expect.stringMatching(/^step charge was interrupted/) });
    // Not a workflow, or never started: what it was before.
    expect(record(started).status).toBe("lost");
    expect(failedAttemptExecution({ entry: entry({}), attempt: 1, reason: "x", processedOn, finishedOn, declared }).status).toBe("failed");
  });
});

describe("failedAttemptExecution of an iteration", () => {
  const report = {
    batchSize: 50,
    total: null,
    checkpoint: { seq: 3, done: 150, cursor: "150", at: "2026-12-01T10:00:30.000Z" },
    inFlight: null,
    resumedFrom: null,
    paused: false,
    finished: false,
    refused: 0,
  };
  const iteration = { attempt: 1, checkpoint: { seq: 3, done: 150, cursor: 150, at: "2026-12-01T10:00:30.000Z" }, report };
  const lost = (e: LedgerEntry, attempt = 1) =>
    failedAttemptExecution({ entry: e, attempt, reason: "job stalled more than allowable limit", processedOn, finishedOn, iteration: true });

  it("is interrupted once it started, naming its last checkpoint, with the record saved there", () => {
    const execution = lost(entry({ attempt: 1, startedAt: new Date("2026-12-01T10:00:05Z"), iteration }));
    expect(execution.status).toBe("interrupted");
    expect(execution.message).toBe(
      "the iteration was interrupted after 150 items (its last checkpoint): its worker stopped (job stalled more than allowable limit); it is not run again on its own: Resume goes on from its last checkpoint",
    );
    expect(execution.report?.iteration).toMatchObject({ checkpoint: { seq: 3, done: 150 } });
  });

  it("is interrupted before its first checkpoint too; never started and nothing saved, it is a plain failure to start", () => {
    expect(lost(entry({ attempt: 1, startedAt: new Date("2026-12-01T10:00:05Z") })).message).toMatch(
      /^the iteration was interrupted before its first checkpoint/,
    );
    expect(lost(entry({ attempt: 0 })).status).toBe("failed");
    // A Resume's attempt lost before it recorded its start: the earlier checkpoint stands, still interrupted.
    expect(lost(entry({ attempt: 1, iteration }), 2)).toMatchObject({ status: "interrupted", report: { iteration: { checkpoint: { done: 150 } } } });
  });
});
