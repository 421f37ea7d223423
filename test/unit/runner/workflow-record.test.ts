import { describe, expect, it } from "vitest";
import { createRedactor } from "../../../src/runner/redact.js";
import { WorkflowRecord } from "../../../src/runner/workflow-record.js";
import { MAX_WORKFLOW_STEPS, type StepReport, type WorkflowStepDescription } from "../../../src/sdk/protocol.js";

const steps: WorkflowStepDescription[] = [
  { name: "reserve", rollback: true, timeoutMs: 1000 },
  { name: "notify", rollback: false, timeoutMs: 1000 },
  { name: "charge", rollback: true, timeoutMs: 1000 },
];
const report = (seq: number, step: string, over: Partial<StepReport> = {}): StepReport => ({
  seq,
  step,
  direction: "run",
  outcome: "succeeded",
  startedAt: "2026-12-01T10:00:00.000Z",
  durationMs: 5,
  error: null,
  state: {},
  ...over,
});
const record = (stateLimit = 1024 * 1024) => new WorkflowRecord({ steps, stateLimit, redact: createRedactor(["sk-secret-123"]) });

describe("WorkflowRecord", () => {
  it("folds each report into an entry with its changes and keeps the last state, redacted", () => {
    const r = record();
    expect(r.add(report(1, "reserve", { state: { held: 2, key: "sk-secret-123" } }))?.entries[0]).toEqual({
      step: "reserve",
      direction: "run",
      outcome: "succeeded",
      startedAt: "2026-12-01T10:00:00.000Z",
      durationMs: 5,
      error: null,
      changes: [
        { path: "$.held", after: 2 },
        { path: "$.key", after: "[REDACTED]" },
      ],
      moreChanges: 0,
    });
    r.add(report(2, "notify", { state: { held: 2, key: "sk-secret-123" } }));
    const final = r.add(report(3, "charge", { outcome: "failed", error: "card declined\n  for sk-secret-123", state: { held: 3, key: "sk-secret-123" } }));
    expect(final).toEqual({
      declared: steps.map(({ name, rollback }) => ({ name, rollback })),
      entries: expect.any(Array),
      state: { held: 3, key: "[REDACTED]" },
    });
    expect(final!.entries.map((e) => [e.step, e.changes, e.error])).toEqual([
      ["reserve", expect.any(Array), null],
      ["notify", [], null],
      ["charge", [{ path: "$.held", before: 2, after: 3 }], "card declined for [REDACTED]"],
    ]);
    expect(r.refused()).toBe(0);
  });

  it("tells the first step's changes against the state the workflow started from, redacted, unless that one is over the limit", () => {
    const r = record();
    r.add(report(1, "reserve", { before: { held: 0, key: "sk-secret-123" }, state: { held: 2, key: "sk-secret-123" } }));
    expect(r.last()?.changes).toEqual([{ path: "$.held", before: 0, after: 2 }]);

    const small = record(64);
    small.add(report(1, "reserve", { before: { pad: "x".repeat(100) }, state: { held: 2 } }));
    expect(small.last()?.changes).toEqual([{ path: "$.held", after: 2 }]);
  });

  it("refuses what cannot be the workflow's next report, so a lying script cannot grow the record", () => {
    const r = record();
    expect(r.add(report(2, "reserve"))).toBeNull(); // skips a number
    expect(r.add(report(1, "nope"))).toBeNull(); // not declared
    expect(r.add(report(1, "reserve"))).not.toBeNull();
    expect(r.add(report(1, "notify"))).toBeNull(); // repeats a number
    expect(r.add(report(2, "reserve"))).toBeNull(); // the same step runs again
    expect(r.add(report(2, "notify", { outcome: "failed", error: "boom" }))).not.toBeNull();
    expect(r.add(report(3, "charge"))).toBeNull(); // runs on after a failure
    expect(r.add(report(3, "reserve", { direction: "rollback", outcome: "timed_out", error: "hung" }))).not.toBeNull();
    expect(r.add(report(4, "notify", { direction: "rollback" }))).toBeNull(); // after the walk stopped
    expect(r.refused()).toBe(6);
    expect(r.report().entries).toHaveLength(3);
  });

  it("refuses a run out of the declared order, and a rollback of a step that never ran, was vetoed or has none", () => {
    const r = record();
    expect(r.add(report(1, "notify"))).toBeNull(); // reserve comes first
    expect(r.add(report(1, "reserve", { direction: "rollback" }))).toBeNull(); // nothing failed yet
    expect(r.add(report(1, "reserve"))).not.toBeNull();
    expect(r.add(report(2, "notify", { outcome: "vetoed", error: "no" }))).not.toBeNull();
    expect(r.add(report(3, "charge", { direction: "rollback" }))).toBeNull(); // charge never ran
    expect(r.add(report(3, "notify", { direction: "rollback" }))).toBeNull(); // vetoed, and it has no rollback
    expect(r.add(report(3, "reserve", { direction: "rollback" }))).not.toBeNull();
    expect(r.report().entries.map(({ step, direction }) => `${direction}:${step}`)).toEqual(["run:reserve", "run:notify", "rollback:reserve"]);
  });

  it("a flood of reports keeps at most two entries per declared step", () => {
    const many = Array.from({ length: MAX_WORKFLOW_STEPS + 10 }, (_, i) => ({ name: `s${i}`, rollback: true, timeoutMs: 1 }));
    const r = new WorkflowRecord({ steps: many, stateLimit: 1024 });
    let seq = 0;
    for (let round = 0; round < 3; round++) {
      for (const { name } of many) if (r.add(report(seq + 1, name))) seq += 1;
    }
    expect(r.report().entries).toHaveLength(many.length);
    expect(r.refused()).toBe(2 * many.length);
  });

  it("keeps the last state when a report's state is over the limit or too deep, and records the step", () => {
    const r = record(64);
    r.add(report(1, "reserve", { state: { a: 1 } }));
    const big = r.add(report(2, "notify", { state: { a: "x".repeat(100) } }));
    expect(big?.state).toEqual({ a: 1 });
    expect(big?.entries[1]).toMatchObject({ step: "notify", changes: [], moreChanges: 0 });
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(r.add(report(3, "charge", { state: deep }))?.state).toEqual({ a: 1 });
  });

  it("gives a copy: what was persisted does not change with later steps", () => {
    const r = record();
    const first = r.add(report(1, "reserve"))!;
    r.add(report(2, "notify"));
    expect(first.entries).toHaveLength(1);
  });
});
