import { describe, expect, it } from "vitest";
import type { RunDecision, WorkflowEntry, WorkflowReport } from "../../../src/run-types.js";
import type { ParkedRun } from "../../../src/stores/parked-runs.js";
import { continuation } from "../../../src/steps/continue-run.js";

const since = "2026-12-01T10:00:00.000Z";
const parked = (over: Partial<ParkedRun>): ParkedRun => ({
  runId: "r1",
  kind: "waiting",
  owner: "acme",
  repo: "widgets",
  chore: null,
  since,
  attempt: 1,
  signal: "approved",
  step: "charge",
  deadline: "2026-12-03T10:00:00.000Z",
  pullRequest: null,
  requestedBy: "alice",
  approval: null,
  decision: null,
  ...over,
});
const decision = (kind: RunDecision["kind"], by = "bob"): RunDecision => ({ kind, by, via: "api", at: since });
const record: WorkflowReport = {
  declared: [
    { name: "reserve", rollback: true },
    { name: "charge", rollback: true },
  ],
  entries: [],
  state: null,
};
const ledger = { resume: { attempt: 1, seq: 3, state: { order: 42 } }, workflow: { attempt: 1, report: record } };

describe("continuation", () => {
  it("goes on from the step that waited with the signal's payload, or rolls back from it on a timeout or a cancel", () => {
    expect(continuation(parked({}), decision("signal"), ledger, { approved: { ok: true } })).toEqual({
      kind: "continue",
      resumption: { from: "charge", state: { order: 42 }, seq: 3, signals: { approved: { ok: true } }, rollback: null },
      record,
    });
    expect(continuation(parked({}), decision("timeout", "timeout"), ledger, {})).toMatchObject({
      kind: "continue",
      resumption: { from: "charge", signals: {}, rollback: { reason: "waiting for approved timed out after 2d" } },
    });
    expect(continuation(parked({}), decision("cancel", "carol"), ledger, {})).toMatchObject({
      resumption: { rollback: { reason: "cancelled by carol while waiting for approved" } },
    });
  });

  it("ends an approval wait without running anything unless it was approved", () => {
    const approval = parked({ signal: "approval", step: null, deadline: "2026-12-08T10:00:00.000Z", approval: { count: 1, approvals: [] } });
    expect(continuation(approval, decision("approve"), ledger, {})).toEqual({ kind: "start", approved: true, ranBefore: null });
    expect(continuation(approval, decision("reject", "dave"), ledger, {})).toEqual({
      kind: "end",
      status: "cancelled",
      message: "rejected by dave; nothing of it ran",
    });
    expect(continuation(approval, decision("timeout", "timeout"), ledger, {})).toEqual({
      kind: "end",
      status: "cancelled",
      message: "not approved within 7d; nothing of it ran",
    });
    expect(continuation(approval, decision("cancel", "erin"), ledger, {})).toEqual({
      kind: "end",
      status: "cancelled",
      message: "cancelled by erin before it started",
    });
  });

  it("resumes an interrupted step, or rolls back from it naming who chose it", () => {
    const interrupted = parked({ kind: "interrupted", signal: null, deadline: null });
    expect(continuation(interrupted, decision("resume"), ledger, {})).toMatchObject({ kind: "continue", resumption: { from: "charge", rollback: null } });
    expect(continuation(interrupted, decision("rollback", "frank"), ledger, {})).toMatchObject({
      resumption: { from: "charge", rollback: { reason: "rolled back by frank after step charge was interrupted" } },
    });
  });

  it("never runs forward again once the walk back began: Resume goes on walking back", () => {
    const entry = (step: string, outcome: string) =>
      ({ step, direction: "run", outcome, error: null, changes: [], moreChanges: 0 }) as unknown as WorkflowEntry;
    const walking = { ...ledger, workflow: { attempt: 1, report: { ...record, entries: [entry("reserve", "succeeded"), entry("charge", "failed")] } } };
    const interrupted = parked({ kind: "interrupted", signal: null, deadline: null });
    expect(continuation(interrupted, decision("resume"), walking, {})).toMatchObject({
      resumption: { from: "charge", rollback: { reason: "resumed by bob after the rollback of step charge was interrupted: the walk back goes on" } },
    });
  });

  it("with no resume point saved (lost before its first step was recorded), starts afresh on Resume and rolls back the lost first step", () => {
    const interrupted = parked({ kind: "interrupted", signal: null, deadline: null, step: "reserve" });
    const bare = { resume: null, workflow: null };
    // Its earlier attempt ran (it was lost in step reserve): a cancel before this one starts says so.
    expect(continuation(interrupted, decision("resume"), bare, {})).toEqual({ kind: "start", approved: true, ranBefore: { step: "reserve" } });
    // No state in the resumption: the workflow goes on from its own initial state, where its first step started.
    expect(continuation(interrupted, decision("rollback"), bare, {})).toEqual({
      kind: "continue",
      resumption: { from: "reserve", seq: 0, signals: {}, rollback: { reason: "rolled back by bob after step reserve was interrupted" } },
      record: null,
    });
  });
});
