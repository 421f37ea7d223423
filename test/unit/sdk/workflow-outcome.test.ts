import { describe, expect, test } from "vitest";
import type { StepOutcome } from "../../../src/sdk/protocol.js";
import { judgeWorkflow, type JudgedEntry } from "../../../src/sdk/workflow-outcome.js";

const declared = [
  { name: "a", rollback: true },
  { name: "b", rollback: true },
  { name: "c", rollback: false },
];
/** "a", "b:waiting", "rollback:b", "rollback:a:failed" → entries. */
const entries = (...names: string[]): JudgedEntry[] =>
  names.map((name) => {
    const parts = name.split(":");
    const direction = parts[0] === "rollback" ? "rollback" : "run";
    const step = direction === "rollback" ? parts[1]! : parts[0]!;
    const outcome = (direction === "rollback" ? parts[2] : parts[1]) ?? "succeeded";
    return { step, direction, outcome: outcome as StepOutcome };
  });
const standings = (verdict: ReturnType<typeof judgeWorkflow>) => verdict.steps.map((step) => step.standing);

describe("judgeWorkflow with waits and runs over several processes", () => {
  test("a last entry waiting: the workflow waits, that step stands waiting, the others as they are", () => {
    const verdict = judgeWorkflow(declared, entries("a", "b:waiting"));
    expect(verdict.outcome).toBe("waiting");
    expect(verdict.failedStep).toBeNull();
    expect(standings(verdict)).toEqual(["done", "waiting", "not_run"]);
  });

  test("a wait followed by the step's run again: the later entry counts", () => {
    expect(judgeWorkflow(declared, entries("a", "b:waiting", "b", "c"))).toMatchObject({ outcome: "succeeded", failedStep: null });
    expect(standings(judgeWorkflow(declared, entries("a", "b:waiting", "b", "c")))).toEqual(["done", "done", "done"]);
    expect(judgeWorkflow(declared, entries("a", "b:waiting", "b:waiting"))).toMatchObject({ outcome: "waiting" });
    expect(judgeWorkflow(declared, entries("a", "b:waiting", "b"))).toMatchObject({ outcome: "incomplete" });
  });

  test("a run again that fails: that failure (not the earlier wait) started the walk back", () => {
    const verdict = judgeWorkflow(declared, entries("a", "b:waiting", "b:failed", "rollback:b", "rollback:a"));
    expect(verdict).toMatchObject({ outcome: "rolled_back", failedStep: "b" });
    expect(standings(verdict)).toEqual(["undone", "undone", "not_run"]);
  });

  test("a wait that timed out (rollbacks without a failed entry): the waiting step failed, rolled back", () => {
    const verdict = judgeWorkflow(declared, entries("a", "b:waiting", "rollback:b", "rollback:a"));
    expect(verdict).toMatchObject({ outcome: "rolled_back", failedStep: "b" });
    expect(standings(verdict)).toEqual(["undone", "undone", "not_run"]);
  });

  test("a timed-out wait whose walk back stopped: rollback_failed, and a step not undone stands as it was", () => {
    const verdict = judgeWorkflow(declared, entries("a", "b:waiting", "rollback:b:failed"));
    expect(verdict).toMatchObject({ outcome: "rollback_failed", failedStep: "b" });
    expect(standings(verdict)).toEqual(["done", "rollback_failed", "not_run"]);
  });

  test("a lost step (no entry of its run) rolled back by a person: its rollback counts, it is the failed step", () => {
    const verdict = judgeWorkflow(declared, entries("a", "rollback:b", "rollback:a"));
    expect(verdict).toMatchObject({ outcome: "rolled_back", failedStep: "b" });
    expect(standings(verdict)).toEqual(["undone", "undone", "not_run"]);
  });

  test("a timed-out wait whose walk back ended before a's rollback: rollback_failed, a's work stays", () => {
    const after = judgeWorkflow(declared, entries("a", "b:waiting", "rollback:b"));
    expect(after.steps[1]!.standing).toBe("undone");
    expect(after.steps[0]!.standing).toBe("done");
    expect(after.outcome).toBe("rollback_failed");
  });
});
