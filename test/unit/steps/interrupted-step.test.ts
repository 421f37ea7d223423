import { describe, expect, it } from "vitest";
import type { WorkflowEntry, WorkflowReport } from "../../../src/run-types.js";
import { interruptedStep } from "../../../src/steps/interrupted-step.js";

const declared = [
  { name: "reserve", rollback: true },
  { name: "charge", rollback: true },
  { name: "notify", rollback: false },
];
const entry = (step: string, direction: "run" | "rollback", outcome: WorkflowEntry["outcome"]): WorkflowEntry => ({
  step,
  direction,
  outcome,
  startedAt: "",
  durationMs: 1,
  error: null,
  changes: [],
  moreChanges: 0,
});
const report = (...entries: WorkflowEntry[]): WorkflowReport => ({ declared, entries, state: null });

describe("interruptedStep", () => {
  it("names the step after the last one that succeeded while running forward; the first with no record yet", () => {
    expect(interruptedStep(declared, null)).toEqual({ step: "reserve", walkingBack: false });
    expect(interruptedStep(declared, report(entry("reserve", "run", "succeeded")))).toEqual({ step: "charge", walkingBack: false });
  });

  it("takes a wait for no failure: the step that waited and went on is the one lost", () => {
    const waited = report(entry("reserve", "run", "succeeded"), entry("charge", "run", "waiting"));
    expect(interruptedStep(declared, waited)).toEqual({ step: "charge", walkingBack: false });
  });

  it("names the step whose rollback is owed last during a walk back", () => {
    const walking = report(entry("reserve", "run", "succeeded"), entry("charge", "run", "succeeded"), entry("notify", "run", "failed"));
    expect(interruptedStep(declared, walking)).toEqual({ step: "charge", walkingBack: true });
    walking.entries.push(entry("charge", "rollback", "succeeded"));
    expect(interruptedStep(declared, walking)).toEqual({ step: "reserve", walkingBack: true });
  });

  it("is null for a finished record: succeeded, rolled back, or a walk back stopped by a failed rollback", () => {
    const all = ["reserve", "charge", "notify"].map((step) => entry(step, "run", "succeeded"));
    expect(interruptedStep(declared, report(...all))).toBeNull();
    expect(interruptedStep(declared, report(entry("reserve", "run", "failed"), entry("reserve", "rollback", "succeeded")))).toBeNull();
    expect(
      interruptedStep(declared, report(entry("reserve", "run", "succeeded"), entry("charge", "run", "failed"), entry("charge", "rollback", "failed"))),
    ).toBeNull();
    expect(interruptedStep([], null)).toBeNull();
  });
});
