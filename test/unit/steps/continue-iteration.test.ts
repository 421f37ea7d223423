import { describe, expect, it } from "vitest";
import type { IterationReport, RunDecision } from "../../../src/run-types.js";
import type { LedgerEntry } from "../../../src/stores/execution-ledger.js";
import type { ParkedRun } from "../../../src/stores/parked-runs.js";
import { continuation } from "../../../src/steps/continue-run.js";

const since = "2026-12-01T10:00:00.000Z";
const parked = (over: Partial<ParkedRun>): ParkedRun => ({
  runId: "r1",
  kind: "paused",
  owner: "acme",
  repo: "widgets",
  chore: "backfill",
  since,
  attempt: 1,
  signal: null,
  step: null,
  deadline: null,
  pullRequest: null,
  requestedBy: "alice",
  approval: null,
  decision: null,
  ...over,
});
const decision = (kind: RunDecision["kind"], by = "bob"): RunDecision => ({ kind, by, via: "api", at: since });
const report: IterationReport = {
  batchSize: 50,
  total: 1000,
  checkpoint: { seq: 7, done: 350, cursor: '{"id":350}', at: since },
  inFlight: null,
  resumedFrom: null,
  paused: true,
  finished: false,
  refused: 0,
};
const saved: Pick<LedgerEntry, "resume" | "workflow" | "iteration"> = {
  resume: null,
  workflow: null,
  iteration: { attempt: 1, checkpoint: { seq: 7, done: 350, cursor: { id: 350, shard: "eu" }, at: since }, report },
};
const nothingSaved = { resume: null, workflow: null, iteration: null };

describe("continuation of an iteration", () => {
  it("resumes a paused iteration from the ledger's raw checkpoint, its record going on from the earlier one", () => {
    expect(continuation(parked({}), decision("resume"), saved, {})).toEqual({
      kind: "iterate",
      resumption: { seq: 7, done: 350, cursor: { id: 350, shard: "eu" } },
      record: report,
      ranBefore: { items: 350 },
    });
  });

  it("resumes an interrupted iteration (no step) the same way; from the start when nothing was checkpointed", () => {
    const interrupted = parked({ kind: "interrupted", failure: "item 137 threw: boom" });
    expect(continuation(interrupted, decision("resume"), saved, {})).toMatchObject({ kind: "iterate", resumption: { seq: 7, done: 350 } });
    // Lost before its first checkpoint: its script had started (the ledger says so), nothing was checkpointed.
    expect(continuation(interrupted, decision("resume"), { ...nothingSaved, attempt: 1 }, {})).toEqual({
      kind: "iterate",
      resumption: { seq: 0, done: 0, cursor: null },
      record: null,
      ranBefore: { items: 0 },
    });
  });

  it("says nothing of it ran when it was paused before its script ever started", () => {
    expect(continuation(parked({}), decision("resume"), { ...nothingSaved, attempt: 0 }, {})).toMatchObject({ kind: "iterate", ranBefore: null });
  });

  it("ends a paused iteration cancelled, saying who and how far it got, and that nothing more ran", () => {
    expect(continuation(parked({}), decision("cancel", "carol"), saved, {})).toEqual({
      kind: "end",
      status: "cancelled",
      message: "cancelled by carol while paused after 350 items; nothing more was processed",
    });
    expect(continuation(parked({}), decision("cancel", "carol"), nothingSaved, {})).toMatchObject({
      message: "cancelled by carol while paused after 0 items; nothing more was processed",
    });
  });

  it("never runs an iteration on a decision that cannot be taken on it (a hand-written record): it ends, nothing more processed", () => {
    for (const kind of ["rollback", "signal", "timeout", "approve"] as const) {
      expect(continuation(parked({ kind: "interrupted" }), decision(kind), saved, {})).toMatchObject({ kind: "end", status: "cancelled" });
    }
  });

  it("leaves a workflow's interrupted step to the workflow's rules (a step is named)", () => {
    const workflow = parked({ kind: "interrupted", step: "charge" });
    expect(continuation(workflow, decision("resume"), { ...saved, resume: { attempt: 1, seq: 2, state: { n: 1 } } }, {})).toMatchObject({
      kind: "continue",
      resumption: { from: "charge", seq: 2 },
    });
  });
});
