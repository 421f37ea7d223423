import { describe, expect, it } from "vitest";
import { workflowView } from "../../../../src/api/workflow-view.js";
import { liveSteps } from "../../../../src/chores/live/live-steps.js";
import { runEvents, stateOf } from "../../../../src/chores/live/run-events.js";
import { historyStream } from "../../../../src/chores/live/run-stream.js";
import type { LiveRunView } from "../../../../src/chores/live/live-run-view.js";
import { runView } from "../chores-fixtures.js";
import { entry, lostWorkflow, rollbackFailedWorkflow } from "../../runlog/workflow-fixtures.js";

const base: LiveRunView = runView({
  id: "r-1",
  status: "running",
  repository: "acme/ops",
  script: "chores/refund.ts",
  finished_at: null,
  duration_ms: null,
  chore: "refund",
});

describe("a workflow's steps on the run page", () => {
  it("says steps not run yet while the run goes, and not run once it is over", () => {
    const running = liveSteps(workflowView(lostWorkflow()), false)!;
    expect(running.summary).toBeNull();
    expect(running.steps.map((s) => s.words)).toEqual(["done", "not run yet", "not run yet"]);
    expect(liveSteps(workflowView(lostWorkflow()), true)!.steps.map((s) => s.words)).toEqual(["done", "not run", "not run"]);
    expect(liveSteps(undefined, true)).toBeNull();
  });

  it("names what a failed walk back left, and marks the failed step", () => {
    const steps = liveSteps(workflowView(rollbackFailedWorkflow()), true)!;
    expect(steps.summary).toBe("undone: ship; not undone: reserve (the walk back stopped before it), charge (its rollback failed)");
    expect(steps.steps.map((s) => [s.name, s.standing, s.failed])).toEqual([
      ["reserve", "done", false],
      ["charge", "rollback_failed", false],
      ["ship", "undone", true],
    ]);
    expect(steps.entries.map((e) => `${e.step} ${e.direction} ${e.outcome} ${e.error}`)).toEqual([
      "reserve run succeeded null",
      "charge run succeeded null",
      "ship run failed carrier down: 503",
      "ship rollback succeeded null",
      "charge rollback failed refund refused",
    ]);
  });

  it("strips terminal escapes and clips names, errors and changes; lists at most 10 changes an entry", () => {
    const workflow = lostWorkflow();
    const name = `\u001b[31mred\u001b[0m${"n".repeat(5000)}`;
    workflow.declared[0] = { name, rollback: true };
    workflow.entries = [
      entry(name, "run", "failed", {
        error: `\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007 ${"e".repeat(50_000)}`,
        changes: Array.from({ length: 12 }, (_, i) => ({ path: `$.v${i}`, before: "x".repeat(10_000), after: i })),
        moreChanges: 5,
      }),
    ];
    const steps = liveSteps(workflowView(workflow), true)!;
    expect(steps.steps[0]!.name.startsWith("redn")).toBe(true);
    expect(steps.steps[0]!.name).toHaveLength(200);
    const shown = steps.entries[0]!;
    expect(shown.error!.startsWith("click ee")).toBe(true);
    expect(shown.error!.length).toBeLessThanOrEqual(1000);
    expect(shown.changes).toHaveLength(11);
    expect(shown.changes.slice(0, 10).every((c) => c.length <= 300)).toBe(true);
    expect(shown.changes[10]).toBe("… and 7 more");
  });

  it("sends the steps on the run's stream as they change, but not on a chore's history stream", async () => {
    const first = { ...base, workflow: workflowView(lostWorkflow()) };
    const step = runEvents({ cursor: null, state: null }, first);
    const state = step.events.find((e) => e.event === "state")!.data as { steps: unknown };
    expect(state.steps).toEqual(stateOf(first).steps);
    // Nothing changed: nothing sent; a step ended: the steps are sent again.
    expect(runEvents(step.memory, first).events.filter((e) => e.event === "state")).toEqual([]);
    const next = lostWorkflow();
    next.entries.push(entry("charge", "run", "succeeded"));
    const later = runEvents(step.memory, { ...first, workflow: workflowView(next) }).events.find((e) => e.event === "state")!.data;
    expect(Object.keys(later as object)).toEqual(["steps"]);

    const history = historyStream(new Map([["r-1", () => Promise.resolve(first)]]));
    const text = (await history())!.text;
    expect(text).toContain('"id":"r-1"');
    expect(text).not.toContain("reserve");
  });
});
