import { describe, expect, test } from "vitest";
import { defineScript } from "../../../src/sdk/define-script.js";
import { defineWorkflow, step } from "../../../src/sdk/define-workflow.js";
import { int, string } from "../../../src/sdk/inputs.js";
import { counter, fail, log } from "../../../src/sdk/reporter.js";
import { runWorkflow } from "../../../src/testing/index.js";

interface State {
  done: string[];
  blob?: string;
  fn?: () => void;
}

const empty = (): State => ({ done: [] });
const undo = (name: string) => (state: State) => {
  state.done = state.done.filter((done) => done !== name);
};
const threeSteps = (extra: { hang?: boolean } = {}) =>
  defineWorkflow({
    inputs: { who: string({ default: "me" }), blob: int({ default: 0 }) },
    state: empty(),
    stepTimeout: "100ms",
    steps: [
      step<State>({ name: "reserve", run: (state) => void state.done.push("reserve"), rollback: undo("reserve") }),
      step<State, { who: string; blob: number }>({
        name: "charge",
        run(state, { inputs }) {
          state.done.push("charge");
          if (inputs.blob > 0) state.blob = "x".repeat(inputs.blob);
          log(`${inputs.who} charged`);
          counter.inc(inputs.who);
        },
        rollback: undo("charge"),
      }),
      step<State>({ name: "audit", run: (state) => void state.done.push("audit") }),
      step<State>({
        name: "switch",
        run: (state) => (extra.hang ? new Promise<void>(() => {}) : void state.done.push("switch")),
        rollback: undo("switch"),
      }),
    ],
  });

describe("runWorkflow", () => {
  test("a workflow that succeeds: its steps in order, the final state as the result", async () => {
    const run = await runWorkflow(threeSteps());
    expect(run.status).toBe("succeeded");
    expect(run.order).toEqual(["reserve", "charge", "audit", "switch"]);
    expect(run.result).toEqual({ done: ["reserve", "charge", "audit", "switch"] });
    expect(run.failReason).toBeNull();
    expect(run.logs).toContain("me charged");
    expect(run.logs.filter((line) => /^step \w+: succeeded in \d+ ms$/.test(line))).toHaveLength(4);
    expect(run.counters).toEqual({ me: 1 });
  });

  test("failStep: the named step fails, its own rollback and the completed steps' run in reverse (audit has none)", async () => {
    const run = await runWorkflow(threeSteps(), { failStep: { step: "switch", error: "plan API down" } });
    expect(run.status).toBe("rolled_back");
    expect(run.order).toEqual(["reserve", "charge", "audit", "switch", "rollback:switch", "rollback:charge", "rollback:reserve"]);
    expect(run.steps[3]).toEqual({ step: "switch", direction: "run", outcome: "failed", error: "plan API down" });
    expect(run.state).toEqual({ done: ["audit"] });
    expect(run.result).toBeNull();
    expect(run.failReason).toBe("step switch failed: plan API down; rolled back switch, charge, reserve");
    expect(run.verdict.steps.map((s) => s.standing)).toEqual(["undone", "undone", "done", "undone"]);
  });

  test("failStep on a rollback stops the walk: rollback_failed, saying what is not undone", async () => {
    const run = await runWorkflow(threeSteps(), { failStep: "switch", inputs: {} });
    expect(run.status).toBe("rolled_back");
    const stopped = await runWorkflow(
      defineWorkflow({
        state: empty(),
        steps: [
          step<State>({ name: "reserve", run: (state) => void state.done.push("reserve"), rollback: undo("reserve") }),
          step<State>({ name: "charge", run: (state) => void state.done.push("charge"), rollback: undo("charge") }),
          step<State>({ name: "switch", run: () => {} }),
        ],
      }),
      { failStep: "switch" },
    );
    expect(stopped.order).toEqual(["reserve", "charge", "switch", "rollback:charge", "rollback:reserve"]);
    const failedRollback = await runWorkflow(threeSteps(), { failStep: { step: "charge", direction: "rollback", error: "refund refused" } });
    expect(failedRollback.status).toBe("succeeded");
    const both = await runWorkflow(
      defineWorkflow({
        state: {},
        steps: [
          { name: "a", run() {}, rollback() {} },
          { name: "b", run() {}, rollback() {} },
          {
            name: "c",
            run() {
              throw new Error("c broke");
            },
          },
        ],
      }),
      { failStep: { step: "b", direction: "rollback", error: "refund refused" } },
    );
    expect(both.status).toBe("rollback_failed");
    expect(both.order).toEqual(["a", "b", "c", "rollback:b"]);
    expect(both.failReason).toBe("step c failed: c broke; nothing rolled back; rollback of b failed: refund refused; not undone: a, b, c (no rollback)");
  });

  test("failStep naming no step, or a rollback that does not exist, is an error", async () => {
    await expect(runWorkflow(threeSteps(), { failStep: "nope" })).rejects.toThrow(/no step named "nope" \(the steps are reserve, charge, audit, switch\)/);
    await expect(runWorkflow(threeSteps(), { failStep: { step: "audit", direction: "rollback" } })).rejects.toThrow(/step audit has no rollback to fail/);
    await expect(runWorkflow(defineScript({ run() {} }))).rejects.toThrow(/use runScript/);
    await expect(runWorkflow(threeSteps(), { inputs: { blob: "lots" } })).rejects.toThrow(/runWorkflow: invalid inputs: blob: must be an integer/);
  });

  test("an observer's veto: the step does not run, the completed ones roll back", async () => {
    const ran: string[] = [];
    const workflow = defineWorkflow({
      state: {},
      steps: [
        { name: "a", run: () => void ran.push("a"), rollback: () => void ran.push("undo a") },
        { name: "b", run: () => void ran.push("b"), rollback: () => void ran.push("undo b") },
      ],
      observers: [
        {
          beforeStep(event) {
            if (event.step === "b") throw new Error("freeze window");
          },
        },
      ],
    });
    const run = await runWorkflow(workflow);
    expect(ran).toEqual(["a", "undo a"]);
    expect(run.status).toBe("rolled_back");
    expect(run.steps.map((s) => `${s.step}:${s.outcome}`)).toEqual(["a:succeeded", "b:vetoed", "a:succeeded"]);
    expect(run.failReason).toBe("step b vetoed: beforeStep: freeze window; rolled back a");
  });

  test("a state over the limit, or not JSON, fails the step that left it", async () => {
    const over = await runWorkflow(threeSteps(), { inputs: { blob: 5000 }, maxStateBytes: 4096 });
    expect(over.status).toBe("rolled_back");
    expect(over.steps[1]?.error).toMatch(/^step charge left a state that is 4\.\d KiB, over the 4 KiB limit \(WORKFLOW_STATE_LIMIT\)$/);
    expect(over.state).toEqual({ done: [] });
    const notJson = defineWorkflow({ state: empty(), steps: [step<State>({ name: "a", run: (state) => void (state.fn = () => {}) })] });
    const run = await runWorkflow(notJson);
    expect(run.status).toBe("rolled_back");
    expect(run.steps[0]?.error).toBe('step a left a state that is not JSON: a function at "fn"');
  });

  test("a step that hangs past its timeout times out and rolls back", async () => {
    const run = await runWorkflow(threeSteps({ hang: true }));
    expect(run.status).toBe("rolled_back");
    expect(run.steps[3]).toMatchObject({ step: "switch", outcome: "timed_out", error: "the step did not finish within 100 ms" });
    expect(run.logs).toContain("step switch: the step did not finish within 100 ms: abandoned, it may still be running");
  });

  test("the run's signal cancels the running step; the walk back goes on", async () => {
    const controller = new AbortController();
    const workflow = defineWorkflow({
      state: {},
      steps: [
        { name: "a", run() {}, rollback() {} },
        {
          name: "b",
          run: (_state, { signal }) =>
            new Promise<void>((resolve) => {
              signal.addEventListener("abort", () => resolve());
              controller.abort(new Error("stopped by SIGTERM"));
            }),
        },
      ],
    });
    const run = await runWorkflow(workflow, { signal: controller.signal });
    expect(run.status).toBe("rolled_back");
    expect(run.order).toEqual(["a", "b", "rollback:a"]);
    expect(run.steps[1]).toMatchObject({ outcome: "cancelled", error: "stopped by SIGTERM" });
  });

  test("concurrent runs keep their own logs and counters", async () => {
    const [a, b] = await Promise.all([runWorkflow(threeSteps(), { inputs: { who: "a" } }), runWorkflow(threeSteps(), { inputs: { who: "b" } })]);
    expect(a.logs.filter((line) => line.endsWith("charged"))).toEqual(["a charged"]);
    expect(b.logs.filter((line) => line.endsWith("charged"))).toEqual(["b charged"]);
    expect(a.counters).toEqual({ a: 1 });
    expect(b.counters).toEqual({ b: 1 });
  });

  test("fail() in a step, ctx's or the standalone one, fails that step; the run's reason is the workflow's", async () => {
    const workflow = defineWorkflow({
      state: {},
      steps: [
        { name: "a", run() {}, rollback() {} },
        { name: "b", run: () => fail("card declined") },
      ],
    });
    const run = await runWorkflow(workflow);
    expect(run.steps[1]).toMatchObject({ outcome: "failed", error: "card declined" });
    expect(run.failReason).toBe("step b failed: card declined; rolled back a");
  });

  test("an initial state that is not JSON: failed before the first step", async () => {
    const workflow = defineWorkflow({ inputs: { n: int({ default: 1 }) }, state: () => ({ n: 10n }), steps: [{ name: "a", run() {} }] });
    const run = await runWorkflow(workflow);
    expect(run.status).toBe("failed");
    expect(run.order).toEqual([]);
    expect(run.failReason).toMatch(/^the workflow's initial state is not JSON: .*BigInt/);
  });
});
