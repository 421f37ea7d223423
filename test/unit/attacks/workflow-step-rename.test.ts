import { describe, expect, test } from "vitest";
import { describeScript } from "../../../src/sdk/define-script.js";
import { defineWorkflow, step } from "../../../src/sdk/define-workflow.js";
import { runWorkflow } from "../../../src/testing/index.js";

type S = Record<string, unknown>;

// The engine calls `step.run(state, ctx)` as a method: `this` is the step object. A step that
// renames itself (or grows a rollback) makes its records name a step the check never read: the
// worker refuses such a report and never acks it, so the run hangs until its timeout, with the
// step that ran missing from its record.
describe("a step cannot change what it is once defined", () => {
  test("a step renaming itself through `this` fails, and every record names a declared step", async () => {
    const workflow = defineWorkflow({
      state: {},
      steps: [
        step<S>({
          name: "charge",
          run(this: { name: string }) {
            this.name = "refund";
          },
          rollback() {},
        }),
        step<S>({
          name: "ship",
          run() {},
        }),
      ],
    });
    const declared = describeScript(workflow).workflow!.steps.map((s) => s.name);
    const run = await runWorkflow(workflow);
    expect(run.order.filter((entry) => !declared.includes(entry.replace(/^rollback:/, "")))).toStrictEqual([]);
    expect(run.status).toBe("rolled_back");
    expect(run.order).toStrictEqual(["charge", "rollback:charge"]);
  });

  test("a step giving itself a rollback through `this` fails instead of running a rollback the check did not list", async () => {
    const undone: string[] = [];
    const workflow = defineWorkflow({
      state: {},
      steps: [
        step<S>({
          name: "charge",
          run(this: { rollback?: () => void }) {
            this.rollback = () => void undone.push("charge");
          },
        }),
        step<S>({
          name: "ship",
          run() {
            throw new Error("no stock");
          },
        }),
      ],
    });
    const run = await runWorkflow(workflow);
    expect(undone).toStrictEqual([]);
    expect(run.order).toStrictEqual(["charge"]);
    expect(run.steps[0]!.outcome).toBe("failed");
  });
});
