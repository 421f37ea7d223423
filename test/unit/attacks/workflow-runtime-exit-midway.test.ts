import { describe, expect, test } from "vitest";
import { workflowVerdict } from "../../../src/runner/workflow-verdict.js";
import { runWorkflowSource } from "./workflow-runtime-harness.js";

// A careless author's step that ends the process itself (a CLI helper that calls process.exit).
describe("attack: a workflow whose process exits 0 before its steps are done", () => {
  test("a step that calls process.exit(0) leaves a run that is not succeeded, saying which steps never ran", async () => {
    const source = `
import { defineWorkflow, step } from "chorebot";
export default defineWorkflow({
  state: { done: [] },
  steps: [
    step({ name: "reserve", run: (s) => void s.done.push("reserve"), rollback: () => {} }),
    step({ name: "charge", run: () => process.exit(0), rollback: () => {} }),
    step({ name: "ship", run: (s) => void s.done.push("ship") }),
  ],
});
`;
    const { result } = await runWorkflowSource(source);
    expect(result.exitCode).toBe(0);
    expect(result.report?.workflow?.entries.map((e) => `${e.step}:${e.direction}:${e.outcome}`)).toEqual(["reserve:run:succeeded"]);
    expect(result.status).not.toBe("succeeded");
    expect(result.message).toContain("charge");
  });

  test("a hand-made protocol that reports one step of two and exits 0 is failed, naming what was left", () => {
    const entry = {
      step: "a",
      direction: "run" as const,
      outcome: "succeeded" as const,
      startedAt: "t",
      durationMs: 1,
      error: null,
      changes: [],
      moreChanges: 0,
    };
    const workflow = {
      declared: [
        { name: "a", rollback: true },
        { name: "b", rollback: false },
      ],
      entries: [entry],
      state: null,
    };
    expect(workflowVerdict(workflow, { status: "succeeded", message: null })).toEqual({
      status: "failed",
      message: "the script exited before its workflow finished: not run or not finished: b; completed and not rolled back: a",
    });
    // Every step reported, but the process failed: the process's word stands.
    const all = { ...workflow, entries: [entry, { ...entry, step: "b" }] };
    expect(workflowVerdict(all, { status: "failed", message: "exited with code 1" })).toEqual({ status: "failed", message: "exited with code 1" });
  });
});
