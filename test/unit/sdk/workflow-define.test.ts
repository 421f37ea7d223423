import { describe, expect, test } from "vitest";
import { defineScript, describeScript, isDefinedScript } from "../../../src/sdk/define-script.js";
import { defineWorkflow, step } from "../../../src/sdk/define-workflow.js";
import { int } from "../../../src/sdk/inputs.js";
import { DEFAULT_STEP_TIMEOUT_MS, MAX_WORKFLOW_STEPS } from "../../../src/sdk/protocol.js";
import { workflowOf } from "../../../src/sdk/workflow-mark.js";

const noop = (): void => {};

describe("defineWorkflow", () => {
  test("returns a script marked as a workflow, which describeScript describes step by step", () => {
    const workflow = defineWorkflow({
      description: "Move a customer",
      inputs: { seats: int({ default: 2 }) },
      state: { n: 0 },
      stepTimeout: "30s",
      timeout: "10m",
      steps: [
        step<{ n: number }>({ name: "reserve", run: noop, rollback: noop }),
        step<{ n: number }>({ name: "charge", run: noop, timeout: "2m" }),
        step<{ n: number }>({ name: "switch", run: noop, rollback: noop, timeout: 5 }),
      ],
    });
    expect(isDefinedScript(workflow)).toBe(true);
    expect(workflowOf(workflow)?.steps.map((s) => s.name)).toEqual(["reserve", "charge", "switch"]);
    expect(describeScript(workflow)).toEqual({
      description: "Move a customer",
      inputs: { seats: { type: "int", required: false, default: 2 } },
      concurrency: "self",
      timeoutMs: 600_000,
      env: null,
      schedule: null,
      approval: null,
      iteration: null,
      workflow: {
        steps: [
          { name: "reserve", rollback: true, timeoutMs: 30_000 },
          { name: "charge", rollback: false, timeoutMs: 120_000 },
          { name: "switch", rollback: true, timeoutMs: 5000 },
        ],
      },
    });
  });

  test("a step without a timeout in a workflow without stepTimeout gets DEFAULT_STEP_TIMEOUT_MS; a plain script has workflow null", () => {
    const workflow = defineWorkflow({ state: {}, steps: [{ name: "only", run: noop }] });
    expect(describeScript(workflow).workflow).toEqual({ steps: [{ name: "only", rollback: false, timeoutMs: DEFAULT_STEP_TIMEOUT_MS }] });
    expect(describeScript(defineScript({ run: noop })).workflow).toBeNull();
    expect(workflowOf(defineScript({ run: noop }))).toBeNull();
  });

  test.each([
    [{ steps: [{ name: "a", run: noop }] }, /`state` is required/],
    [{ state: {}, steps: [] }, /`steps` must be a non-empty array/],
    [{ state: {}, steps: "a" }, /`steps` must be a non-empty array/],
    [{ state: {}, steps: Array.from({ length: MAX_WORKFLOW_STEPS + 1 }, (_, i) => ({ name: `s${i}`, run: noop })) }, /51 steps, over the limit of 50/],
    [{ state: {}, steps: [null] }, /steps\[0\] is not a step/],
    [{ state: {}, steps: [{ run: noop }] }, /steps\[0\]: `name` must be a non-empty string/],
    [{ state: {}, steps: [{ name: 3, run: noop }] }, /`name` must be a non-empty string/],
    [
      {
        state: {},
        steps: [
          { name: "a", run: noop },
          { name: "a", run: noop },
        ],
      },
      /steps\[1\]: the name "a" is used twice/,
    ],
    [{ state: {}, steps: [{ name: "x".repeat(101), run: noop }] }, /101 characters long: at most 100/],
    [{ state: {}, steps: [{ name: "a\nb", run: noop }] }, /plain text on one line/],
    [{ state: {}, steps: [{ name: "a\u200bb", run: noop }] }, /plain text on one line/],
    [{ state: {}, steps: [{ name: "a" }] }, /steps\[0\] \(a\): `run` must be a function/],
    [{ state: {}, steps: [{ name: "a", run: noop, rollback: "undo" }] }, /`rollback` must be a function when present/],
    [{ state: {}, steps: [{ name: "a", run: noop, timeout: "soon" }] }, /invalid duration "soon"/],
    [{ state: {}, stepTimeout: "-1s", steps: [{ name: "a", run: noop }] }, /invalid duration/],
    [{ state: {}, observers: {}, steps: [{ name: "a", run: noop }] }, /`observers` must be an array/],
    [{ state: {}, observers: [null], steps: [{ name: "a", run: noop }] }, /observers\[0\] must be an object/],
    [{ state: {}, observers: [{ beforeStep: 1 }], steps: [{ name: "a", run: noop }] }, /observers\[0\].beforeStep must be a function/],
    [{ state: { f: noop }, steps: [{ name: "a", run: noop }] }, /the state is not JSON: a function at "f"/],
    [{ state: {}, concurrency: "many", steps: [{ name: "a", run: noop }] }, /defineWorkflow: concurrency must be one of/],
    [{ state: {}, env: ["lower-case"], steps: [{ name: "a", run: noop }] }, /defineWorkflow: env\[0\]/],
    [{ state: {}, timeout: "x", steps: [{ name: "a", run: noop }] }, /invalid duration/],
    [{ state: {}, schedule: { every: "1m", cron: "* * * * *" }, steps: [{ name: "a", run: noop }] }, /defineWorkflow: /],
    [{ state: {}, inputs: { n: 3 }, steps: [{ name: "a", run: noop }] }, /defineWorkflow: input "n" is not an input/],
  ])("refuses %j at once", (definition, message) => {
    expect(() => defineWorkflow(definition as never)).toThrow(message);
  });
});
