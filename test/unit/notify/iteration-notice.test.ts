import { describe, expect, it } from "vitest";
import { MAX_COMMENT_CHARS, renderRunSection } from "../../../src/notify/run-notice.js";
import type { ExecutionResult, IterationReport, RunStatus } from "../../../src/run-types.js";
import { runNotice } from "./run-notice-fixture.js";

function execution(status: RunStatus, iteration: Partial<IterationReport> = {}): ExecutionResult {
  return {
    status,
    exitCode: null,
    signal: null,
    startedAt: "2026-11-02T10:00:00.000Z",
    finishedAt: "2026-11-02T10:00:01.234Z",
    durationMs: 1234,
    output: { lines: [], omittedBytes: 0, omittedAt: null },
    message: "item 137 threw: boom",
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
        checkpoint: { seq: 2, done: 100, cursor: "100", at: "2026-11-02T10:00:01.000Z" },
        inFlight: { seq: 3, from: 101, items: 37 },
        resumedFrom: null,
        paused: false,
        finished: false,
        refused: 0,
        ...iteration,
      },
    },
  };
}

describe("an iteration's notices", () => {
  it("a failed or interrupted one says where Resume goes on, with no Roll back", () => {
    for (const status of ["failed", "interrupted"] as const) {
      const comment = renderRunSection(runNotice(execution(status)), MAX_COMMENT_CHARS);
      expect(comment).toContain("**Items:** 137 of 1,000 processed, in batches of 50.");
      expect(comment).toContain("Resume goes on after item 100 (the items of batch 3, in flight, may be processed again)");
      expect(comment).not.toContain("Roll back");
      expect(comment).not.toContain("rollback");
    }
  });

  it("a finished one says its items only", () => {
    const done = execution("succeeded", { checkpoint: { seq: 20, done: 1000, cursor: "1000", at: "x" }, inFlight: null, finished: true });
    const comment = renderRunSection(runNotice(done), MAX_COMMENT_CHARS);
    expect(comment).toContain("**Items:** 1,000 of 1,000 processed, in batches of 50.");
    expect(comment).not.toContain("Resume");
  });
});
