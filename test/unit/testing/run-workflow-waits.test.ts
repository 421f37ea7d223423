import { describe, expect, test } from "vitest";
import { defineWorkflow, step } from "../../../src/sdk/define-workflow.js";
import { runWorkflow } from "../../../src/testing/index.js";

interface State {
  done: string[];
  runs: Record<string, number>;
  approvedBy?: string;
}

// Counts every run of every step outside the state too: the state of a step that waited is dropped, the calls are not.
const make = () => {
  const calls: string[] = [];
  const initial: State = { done: [], runs: {} };
  const workflow = defineWorkflow({
    state: initial,
    steps: [
      step<State>({
        name: "reserve",
        run: (s) => void (calls.push("reserve"), s.done.push("reserve")),
        rollback: (s) => void (calls.push("rollback:reserve"), (s.done = s.done.filter((d) => d !== "reserve"))),
      }),
      step<State>({
        name: "charge",
        async run(s, { waitFor }) {
          calls.push("charge");
          s.runs.charge = (s.runs.charge ?? 0) + 1;
          const { by } = await waitFor<{ by: string }>("approved", { timeout: "2d" });
          s.approvedBy = by;
          s.done.push("charge");
        },
        rollback: (s) => void (calls.push("rollback:charge"), (s.done = s.done.filter((d) => d !== "charge"))),
      }),
      step<State>({ name: "ship", run: (s) => void (calls.push("ship"), s.done.push("ship")) }),
    ],
  });
  return { workflow, calls };
};

describe("runWorkflow with waits", () => {
  test("a signal not given: status waiting, naming the step, the signal and its timeout; nothing after it ran", async () => {
    const { workflow, calls } = make();
    const run = await runWorkflow(workflow);
    expect(run.status).toBe("waiting");
    expect(run.waitingFor).toEqual({ step: "charge", signal: "approved", timeoutMs: 2 * 86_400_000 });
    expect(run.order).toEqual(["reserve", "charge"]);
    expect(run.steps[1]).toEqual({ step: "charge", direction: "run", outcome: "waiting", error: null });
    expect(run.verdict.steps.map((s) => s.standing)).toEqual(["done", "waiting", "not_run"]);
    expect(run.state).toEqual({ done: ["reserve"], runs: {} });
    expect(calls).toEqual(["reserve", "charge"]);
    expect(run.result).toBeNull();
  });

  test("a signal given: the step runs again from the state it started from, with the payload, and the workflow goes on", async () => {
    const { workflow, calls } = make();
    const run = await runWorkflow(workflow, { signals: { approved: { by: "alice" } } });
    expect(run.status).toBe("succeeded");
    expect(calls).toEqual(["reserve", "charge", "charge", "ship"]);
    // The first run's count was dropped with its state: the second run started from what reserve left.
    expect(run.result).toEqual({ done: ["reserve", "charge", "ship"], runs: { charge: 1 }, approvedBy: "alice" });
    expect(run.order).toEqual(["reserve", "charge", "charge", "ship"]);
    expect(run.waits).toEqual([{ step: "charge", signal: "approved", timeoutMs: 2 * 86_400_000, pullRequest: null, ended: "signalled" }]);
    expect(run.waitingFor).toBeNull();
  });

  test("timeoutWait: the waiting step's rollback, then the completed ones in reverse; the reason says it timed out", async () => {
    const { workflow, calls } = make();
    const run = await runWorkflow(workflow, { timeoutWait: true });
    expect(run.status).toBe("rolled_back");
    expect(run.order).toEqual(["reserve", "charge", "rollback:charge", "rollback:reserve"]);
    expect(calls).toEqual(["reserve", "charge", "rollback:charge", "rollback:reserve"]);
    expect(run.failReason).toBe("waiting for approved timed out after 2d");
    expect(run.waits[0]!.ended).toBe("timed_out");
    expect(run.verdict.failedStep).toBe("charge");
  });

  test("a step waiting for the same signal after it was delivered cannot loop forever: each wait for another signal is its own", async () => {
    const names: string[] = [];
    const workflow = defineWorkflow({
      state: {},
      steps: [
        step<Record<string, unknown>>({
          name: "collect",
          async run(s, { waitFor }) {
            s.first = await waitFor("first");
            names.push("between");
            s.second = await waitFor("second");
          },
        }),
      ],
    });
    const partly = await runWorkflow(workflow, { signals: { first: 1 } });
    expect(partly.status).toBe("waiting");
    expect(partly.waitingFor).toMatchObject({ step: "collect", signal: "second" });
    const both = await runWorkflow(workflow, { signals: { first: 1, second: 2 } });
    expect(both.status).toBe("succeeded");
    expect(both.result).toEqual({ first: 1, second: 2 });
    expect(both.waits.map((w) => w.signal)).toEqual(["first", "second"]);
  });
});

describe("runWorkflow with waits, hostile names and payloads", () => {
  test("a wait for a name Object has (constructor, toString) waits: only signals given are delivered", async () => {
    for (const name of ["constructor", "toString", "hasOwnProperty"]) {
      const workflow = defineWorkflow({ state: {}, steps: [step<object>({ name: "w", run: async (_s, { waitFor }) => void (await waitFor(name)) })] });
      const run = await runWorkflow(workflow, { signals: { other: 1 } });
      expect(run.waitingFor).toMatchObject({ signal: name });
    }
  });

  test("the payload a step gets is a copy: changing it does not change what the next run of the step gets", async () => {
    const seen: unknown[] = [];
    const payload = { list: [1] };
    const workflow = defineWorkflow({
      state: {},
      steps: [
        step<object>({
          name: "w",
          async run(_s, { waitFor }) {
            const got = await waitFor<{ list: number[] }>("go");
            seen.push(structuredClone(got));
            got.list.push(2);
            await waitFor("more");
          },
        }),
      ],
    });
    await runWorkflow(workflow, { signals: { go: payload, more: true } });
    expect(seen).toEqual([{ list: [1] }, { list: [1] }]);
    expect(payload).toEqual({ list: [1] });
  });
});

describe("runWorkflow with a lost step", () => {
  test("no decision: interrupted at the step, nothing after it ran", async () => {
    const { workflow, calls } = make();
    const run = await runWorkflow(workflow, { loseStep: "reserve" });
    expect(run.status).toBe("interrupted");
    expect(run.interruptedAt).toBe("reserve");
    expect(run.order).toEqual([]);
    expect(calls).toEqual(["reserve"]);
  });

  test("resume: the lost step runs again from the state it started from, then the rest", async () => {
    const { workflow, calls } = make();
    const run = await runWorkflow(workflow, { loseStep: "ship", decision: "resume", signals: { approved: { by: "bob" } } });
    expect(run.status).toBe("succeeded");
    expect(calls).toEqual(["reserve", "charge", "charge", "ship", "ship"]);
    expect(run.order).toEqual(["reserve", "charge", "charge", "ship"]);
    expect(run.result).toEqual({ done: ["reserve", "charge", "ship"], runs: { charge: 1 }, approvedBy: "bob" });
  });

  test("rollback: the lost step's rollback (it has one) then the completed ones in reverse, nothing forward", async () => {
    const { workflow, calls } = make();
    const run = await runWorkflow(workflow, { loseStep: "charge", decision: "rollback" });
    expect(run.status).toBe("rolled_back");
    expect(calls).toEqual(["reserve", "charge", "rollback:charge", "rollback:reserve"]);
    expect(run.order).toEqual(["reserve", "rollback:charge", "rollback:reserve"]);
    expect(run.failReason).toBe("rolled back after step charge was interrupted");
    expect(run.verdict.steps.map((s) => s.standing)).toEqual(["undone", "undone", "not_run"]);
  });

  test("rollback of a lost step without a rollback: only the completed ones", async () => {
    const { workflow, calls } = make();
    const run = await runWorkflow(workflow, { loseStep: "ship", decision: "rollback", signals: { approved: { by: "bob" } } });
    expect(calls.slice(-2)).toEqual(["rollback:charge", "rollback:reserve"]);
    expect(run.status).toBe("rolled_back");
  });

  test("a loseStep that names no step is refused", async () => {
    await expect(runWorkflow(make().workflow, { loseStep: "nope" })).rejects.toThrow(
      'runWorkflow: loseStep: no step named "nope" (the steps are reserve, charge, ship)',
    );
  });
});
