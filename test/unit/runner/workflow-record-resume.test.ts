import { describe, expect, it } from "vitest";
import type { WorkflowReport } from "../../../src/run-types.js";
import { WorkflowRecord } from "../../../src/runner/workflow-record.js";
import type { Resumption, StepReport, StepWait, WorkflowStepDescription } from "../../../src/sdk/protocol.js";

const steps: WorkflowStepDescription[] = [
  { name: "reserve", rollback: true, timeoutMs: 1000 },
  { name: "notify", rollback: false, timeoutMs: 1000 },
  { name: "charge", rollback: true, timeoutMs: 1000 },
];
const wait: StepWait = { signal: "approved", timeoutMs: 60_000, pullRequest: 12 };
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
const waiting = (seq: number, step: string) => report(seq, step, { outcome: "waiting", wait });
/** The record a first process left: `reports` folded in. */
const earlierOf = (...reports: StepReport[]): WorkflowReport => {
  const first = new WorkflowRecord({ steps, stateLimit: 1024 });
  for (const r of reports) expect(first.add(r)).not.toBeNull();
  return first.report();
};
const resumed = (earlier: WorkflowReport, resume: Partial<Resumption>) =>
  new WorkflowRecord({
    steps,
    stateLimit: 1024,
    earlier,
    resume: { from: "notify", state: {}, seq: earlier.entries.length, signals: {}, rollback: null, ...resume },
  });
/** Which of `candidates` the record would take next (each tried on a fresh copy). */
const takes = (make: () => WorkflowRecord, candidates: StepReport[]) =>
  candidates.filter((c) => make().add(c) !== null).map((c) => `${c.step} ${c.direction}${c.outcome === "waiting" ? " waiting" : ""}`);

describe("WorkflowRecord across a resumption", () => {
  const afterWait = earlierOf(report(1, "reserve"), waiting(2, "notify"));
  const candidates = (seq: number) => [
    report(seq, "reserve"),
    report(seq, "notify"),
    waiting(seq, "notify"),
    report(seq, "charge"),
    report(seq, "reserve", { direction: "rollback" }),
    report(seq, "notify", { direction: "rollback" }),
    report(seq, "charge", { direction: "rollback" }),
  ];

  it("in one process, a waiting report is the next step's run only, and nothing follows it", () => {
    const first = () => {
      const r = new WorkflowRecord({ steps, stateLimit: 1024 });
      r.add(report(1, "reserve"));
      return r;
    };
    expect(takes(first, candidates(2))).toEqual(["notify run", "notify run waiting"]);
    const r = first();
    r.add(waiting(2, "notify"));
    expect(r.waiting()?.wait).toEqual(wait);
    expect(r.reportedAfterWait()).toBe(false);
    for (const next of candidates(3)) expect(r.add(next)).toBeNull();
    expect(r.reportedAfterWait()).toBe(true);
  });

  it("after a wait and its signal: the waiting step runs (or waits) again, numbered on; the earlier entries stay", () => {
    const make = () => resumed(afterWait, { seq: 2 });
    expect(takes(make, candidates(3))).toEqual(["notify run", "notify run waiting"]);
    // Numbered from 1 again: refused.
    expect(make().add(report(1, "notify"))).toBeNull();
    const r = make();
    expect(r.add(report(3, "notify"))?.entries.map((e) => e.outcome)).toEqual(["succeeded", "waiting", "succeeded"]);
    expect(r.add(report(4, "charge"))?.entries).toHaveLength(4);
    expect(r.judged().map((e) => e.outcome)).toEqual(["succeeded", "succeeded", "succeeded"]);
  });

  it("after a wait that timed out: only rollbacks, of the waiting step (when it declares one) and of those before it", () => {
    const atNotify = () => resumed(afterWait, { seq: 2, rollback: { reason: "timed out" } });
    // notify declares no rollback: reserve's is next.
    expect(takes(atNotify, candidates(3))).toEqual(["reserve rollback"]);
    const charged = earlierOf(report(1, "reserve"), report(2, "notify"), waiting(3, "charge"));
    const atCharge = () => resumed(charged, { from: "charge", seq: 3, rollback: { reason: "timed out" } });
    expect(takes(atCharge, candidates(4))).toEqual(["reserve rollback", "charge rollback"]);
    expect(atCharge().failure()).toBe("timed out");
  });

  it("after a lost step (no entry of it): Resume runs it, Roll back undoes it first if it can", () => {
    const lost = earlierOf(report(1, "reserve"), report(2, "notify"));
    expect(takes(() => resumed(lost, { from: "charge", seq: 2 }), candidates(3))).toEqual(["charge run"]);
    expect(takes(() => resumed(lost, { from: "charge", seq: 2, rollback: { reason: "rolled back" } }), candidates(3))).toEqual([
      "reserve rollback",
      "charge rollback",
    ]);
  });

  it("the entry limit (twice the steps) counts this process's reports only: a step may wait many times", () => {
    let record = afterWait;
    for (let seq = 3; seq <= 10; seq++) {
      const r = resumed(record, { seq: seq - 1 });
      expect(r.add(waiting(seq, "notify")), `wait ${seq}`).not.toBeNull();
      record = r.report();
    }
    expect(record.entries).toHaveLength(10);
    expect(resumed(record, { seq: 10 }).add(report(11, "notify"))?.entries).toHaveLength(11);
  });
});
