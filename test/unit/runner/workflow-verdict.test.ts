import { describe, expect, it } from "vitest";
import type { WorkflowEntry, WorkflowReport } from "../../../src/run-types.js";
import { workflowVerdict } from "../../../src/runner/workflow-verdict.js";
import type { StepDirection, StepOutcome } from "../../../src/sdk/protocol.js";

const declared = [
  { name: "reserve", rollback: true },
  { name: "email", rollback: false },
  { name: "charge", rollback: true },
];
const entry = (step: string, direction: StepDirection, outcome: StepOutcome = "succeeded", error: string | null = null): WorkflowEntry => ({
  step,
  direction,
  outcome,
  startedAt: "2026-12-01T10:00:00.000Z",
  durationMs: 1,
  error,
  changes: [],
  moreChanges: 0,
});
const workflow = (...entries: WorkflowEntry[]): WorkflowReport => ({ declared, entries, state: null });
const exited = { status: "failed" as const, message: "step charge failed (exited with code 1)" };

describe("workflowVerdict", () => {
  it("a completed walk back is rolled_back whatever the exit code, naming the failure and what was undone and kept", () => {
    const w = workflow(
      entry("reserve", "run"),
      entry("email", "run"),
      entry("charge", "run", "failed", "card declined"),
      entry("charge", "rollback"),
      entry("reserve", "rollback"),
    );
    for (const process of [exited, { status: "succeeded" as const, message: null }]) {
      expect(workflowVerdict(w, process)).toEqual({
        status: "rolled_back",
        message: "step charge failed: card declined; rolled back charge, reserve; kept (no rollback): email",
      });
    }
  });

  it("a rollback that fails is rollback_failed, naming it and what is not undone", () => {
    const w = workflow(
      entry("reserve", "run"),
      entry("email", "run"),
      entry("charge", "run", "failed", "card declined"),
      entry("charge", "rollback"),
      entry("reserve", "rollback", "failed", "ledger locked"),
    );
    expect(workflowVerdict(w, exited)).toEqual({
      status: "rollback_failed",
      message:
        "step charge failed: card declined; rolled back charge; the rollback of reserve failed: ledger locked; not undone: reserve; kept (no rollback): email",
    });
  });

  it("says the run timed out or who cancelled it when that started a walk back, and when the run ended during it", () => {
    const cancelled = { status: "cancelled" as const, message: "cancelled by @ann while running" };
    const w = workflow(entry("reserve", "run"), entry("email", "run", "cancelled", "the run was stopped"), entry("reserve", "rollback"));
    expect(workflowVerdict(w, cancelled)).toEqual({
      status: "rolled_back",
      message: "cancelled by @ann while running; step email was stopped: the run was stopped; rolled back reserve; kept (no rollback): email",
    });
    const killed = { status: "timed_out" as const, message: "timed out after 30 s" };
    const stopped = workflow(entry("reserve", "run"), entry("email", "run"), entry("charge", "run", "cancelled", null));
    expect(workflowVerdict(stopped, killed)).toEqual({
      status: "rollback_failed",
      message:
        "timed out after 30 s; step charge was stopped; nothing was rolled back; the run ended before the walk back was complete (timed out after 30 s); not undone: reserve, charge; kept (no rollback): email",
    });
  });

  it("a vetoed first step rolls back nothing and is rolled_back", () => {
    expect(workflowVerdict(workflow(entry("reserve", "run", "vetoed", "frozen")), exited)).toEqual({
      status: "rolled_back",
      message: "step reserve was vetoed: frozen; nothing was rolled back",
    });
  });

  it("keeps the process's judgement when the workflow succeeded or its entries end during a step", () => {
    const done = workflow(entry("reserve", "run"), entry("email", "run"), entry("charge", "run"));
    expect(workflowVerdict(done, { status: "succeeded", message: null })).toEqual({ status: "succeeded", message: null });
    expect(workflowVerdict(done, exited)).toEqual(exited);
    const lost = { status: "lost" as const, message: "the worker could not renew its claim" };
    expect(workflowVerdict(workflow(entry("reserve", "run")), lost)).toEqual(lost);
  });
});
