import { describe, expect, it } from "vitest";
import type { LedgerEntry } from "../../../src/stores/execution-ledger.js";
import { failedAttemptExecution } from "../../../src/steps/lost-execution.js";

const processedOn = new Date("2026-12-01T10:00:00Z");
const finishedOn = new Date("2026-12-01T10:01:00Z");
const entry = (over: Partial<LedgerEntry>): LedgerEntry => ({ attempt: 0, host: null, startedAt: null, resultAttempt: 0, result: null, ...over });
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

  it("failed, not lost, when the attempt never started the script", () => {
    const execution = record(entry({ attempt: 1 }), 2);
    expect(execution).toMatchObject({ status: "failed", startedAt: processedOn.toISOString() });
    expect(execution.message).toContain("chorebot could not start the script");
  });
});
