import { describe, expect, test } from "vitest";
import { readScriptDefinition } from "../../../src/definitions/read-definition.js";
import { describeScript } from "../../../src/sdk/define-script.js";
import { defineWorkflow, step } from "../../../src/sdk/define-workflow.js";
import { judgeWorkflow } from "../../../src/sdk/workflow-outcome.js";
import { runWorkflow } from "../../../src/testing/index.js";

type S = Record<string, unknown>;

// A careless author: the rollback is a name whose value is undefined when the script runs
// (an optional handler, a `let` never assigned). It type-checks (StepDefinition.rollback is optional).
const SOURCE = `import { defineWorkflow, step } from "chorebot";
const handlers: { undo?: () => void } = {};
export default defineWorkflow({
  state: {},
  steps: [step({ name: "charge", run() {}, rollback: handlers.undo }), step({ name: "ship", run() { throw new Error("no stock"); } })],
});
`;
const handlers: { undo?: () => void } = {};
const make = () =>
  defineWorkflow({
    state: {},
    steps: [
      step<S>({ name: "charge", run() {}, rollback: handlers.undo }),
      step<S>({
        name: "ship",
        run() {
          throw new Error("no stock");
        },
      }),
    ],
  });

describe("a rollback the check reads is the rollback that runs", () => {
  test("the PR check reads a rollback for `rollback: handlers.undo`", () => {
    expect(readScriptDefinition(SOURCE, "scripts/x.ts").definition?.workflow?.steps).toStrictEqual([
      { name: "charge", rollback: true, timeoutMs: expect.any(Number) },
      { name: "ship", rollback: false, timeoutMs: expect.any(Number) },
    ]);
  });

  test("so the SDK refuses a rollback written but undefined at run time, instead of running a workflow the check described otherwise", async () => {
    // Without the refusal: the check said `charge` has a rollback (no warning for the reviewer), the
    // worker judges the run with the reader's steps (rollback_failed: charge "not undone"), and
    // runWorkflow, judging with the module's own steps, says rolled_back.
    let made: ReturnType<typeof make> | undefined;
    let refused: unknown = null;
    try {
      made = make();
    } catch (error) {
      refused = error;
    }
    if (made !== undefined) {
      const read = readScriptDefinition(SOURCE, "scripts/x.ts").definition!.workflow!.steps;
      const run = await runWorkflow(made);
      const worker = judgeWorkflow(read, run.steps).outcome;
      expect({ check: read, runtime: describeScript(made).workflow?.steps, helper: run.status, worker }).toBe("refused by defineWorkflow");
    }
    expect(String(refused)).toMatch(/steps\[0\] \(charge\): `rollback` must be a function/);
  });
});
