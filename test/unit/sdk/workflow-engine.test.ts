import { describe, expect, test } from "vitest";
import type { RunContext } from "../../../src/sdk/define-script.js";
import type { StepReport } from "../../../src/sdk/protocol.js";
import { fail } from "../../../src/sdk/reporter.js";
import { runWorkflowSteps, type WorkflowIO } from "../../../src/sdk/workflow-engine.js";
import type { StepDefinition, WorkflowObserver } from "../../../src/sdk/workflow-types.js";

type State = Record<string, unknown>;

function harness(options: { signal?: AbortSignal; maxStateBytes?: number } = {}) {
  const logs: string[] = [];
  const reports: StepReport[] = [];
  const io: WorkflowIO = {
    log: (line) => logs.push(line),
    report: async (report) => {
      reports.push(report);
    },
    maxStateBytes: options.maxStateBytes ?? 1024 * 1024,
    runSignal: options.signal ?? new AbortController().signal,
  };
  const context: RunContext<Record<string, unknown>> = {
    inputs: {},
    log: (...args) => logs.push(args.join(" ")),
    counter: { set() {}, inc() {} },
    progress() {},
    fail,
    signal: io.runSignal,
  };
  const order = () => reports.map((r) => `${r.direction === "rollback" ? "rollback:" : ""}${r.step}:${r.outcome}`);
  return { io, context, logs, reports, order };
}

const ok = (name: string, extra: Partial<StepDefinition<State>> = {}): StepDefinition<State> => ({
  name,
  run: (state) => {
    state[name] = true;
  },
  rollback: (state) => {
    delete state[name];
  },
  ...extra,
});

async function run(
  steps: StepDefinition<State>[],
  options: Parameters<typeof harness>[0] & { observers?: WorkflowObserver<State>[]; stepTimeout?: string } = {},
) {
  const h = harness(options);
  const ran = await runWorkflowSteps({ steps, observers: options.observers, stepTimeout: options.stepTimeout }, {}, h.context, h.io);
  return { ...h, ran };
}

describe("runWorkflowSteps", () => {
  test("the first report carries the state the workflow started from, and no later one does", async () => {
    const h = harness();
    await runWorkflowSteps({ steps: [ok("a"), ok("b")] }, { n: 1 }, h.context, h.io);
    expect(h.reports.map((r) => r.before)).toEqual([{ n: 1 }, undefined]);
    expect(h.reports[0]?.state).toEqual({ n: 1, a: true });
  });

  test("the next step starts from the state as recorded, not from an object a step's stray callback still changes", async () => {
    let seen: unknown;
    const { reports } = await run([
      ok("a", {
        run: (state) => {
          state.a = 1;
          setTimeout(() => (state.late = true), 0);
        },
      }),
      ok("b", {
        run: async (state) => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          seen = { ...state };
        },
      }),
    ]);
    expect(seen).toEqual({ a: 1 });
    expect(reports.map((r) => r.state)).toEqual([{ a: 1 }, { a: 1 }]);
  });

  test("cuts a huge error message, and reports one that cannot even be turned into text", async () => {
    const huge = "x".repeat(1024 * 1024);
    const unshowable = {
      toString: () => {
        throw new Error("no");
      },
    };
    const { reports } = await run([
      ok("a", {
        rollback: () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- a hostile script throws what it likes
          throw unshowable;
        },
      }),
      ok("b", {
        run: () => {
          throw new Error(huge);
        },
      }),
    ]);
    const error = reports.find((r) => r.step === "b" && r.direction === "run")?.error ?? "";
    expect(error.length).toBeLessThan(5000);
    expect(error).toMatch(/^x+… \[1044480 more characters\]$/);
    expect(reports.find((r) => r.step === "a" && r.direction === "rollback")).toMatchObject({
      outcome: "failed",
      error: "thrown: a value that cannot be shown as text",
    });
  });

  test("runs every step in order over one state, reporting each with its state", async () => {
    const { ran, reports, order, logs } = await run([ok("a"), ok("b", { run: (state) => ({ ...state, b: 2 }) })]);
    expect(ran.failure).toBeNull();
    expect(ran.state).toEqual({ a: true, b: 2 });
    expect(order()).toEqual(["a:succeeded", "b:succeeded"]);
    expect(reports.map((r) => r.seq)).toEqual([1, 2]);
    expect(reports[0]?.state).toEqual({ a: true });
    expect(logs[0]).toMatch(/^step a: succeeded in \d+ ms$/);
  });

  test("a third step that fails rolls back 3, 2, 1", async () => {
    const { ran, order, logs } = await run([ok("a"), ok("b"), ok("c", { run: () => fail("card declined") })]);
    expect(order()).toEqual(["a:succeeded", "b:succeeded", "c:failed", "rollback:c:succeeded", "rollback:b:succeeded", "rollback:a:succeeded"]);
    expect(ran.failure).toEqual({ step: "c", error: "card declined" });
    expect(ran.state).toEqual({});
    expect(logs).toContain("step c: failed in 0 ms: card declined".replace("0 ms", logs.find((l) => l.startsWith("step c"))!.match(/\d+ ms/)![0]));
    expect(logs.some((line) => /^rollback of b: succeeded in \d+ ms$/.test(line))).toBe(true);
  });

  test("steps without a rollback are passed over; a failing rollback stops the walk", async () => {
    const { order } = await run([
      ok("a"),
      ok("b", {
        rollback: () => {
          throw new Error("refund API down");
        },
      }),
      { name: "c", run: (state) => void (state.c = 1) },
      ok("d", { run: () => Promise.reject(new Error("boom")) }),
    ]);
    expect(order()).toEqual(["a:succeeded", "b:succeeded", "c:succeeded", "d:failed", "rollback:d:succeeded", "rollback:b:failed"]);
  });

  test("a beforeStep veto: the step does not run, its rollback does not either, the completed ones roll back", async () => {
    const ran: string[] = [];
    const observer: WorkflowObserver<State> = {
      beforeStep: (event) => {
        if (event.step === "b" && event.direction === "run") throw new Error("not on Fridays");
      },
    };
    const { order, reports } = await run([ok("a"), ok("b", { run: () => void ran.push("b") })], { observers: [observer] });
    expect(ran).toEqual([]);
    expect(order()).toEqual(["a:succeeded", "b:vetoed", "rollback:a:succeeded"]);
    expect(reports[1]?.error).toBe("beforeStep: not on Fridays");
  });

  test("an afterStep that throws fails a succeeded step, whose own rollback runs first; observers may change the state", async () => {
    const observer: WorkflowObserver<State> = {
      afterStep: (event) => {
        event.state.seen = ((event.state.seen as number | undefined) ?? 0) + 1;
        if (event.step === "b" && event.direction === "run") throw new Error("audit refused");
      },
    };
    const { order, reports } = await run([ok("a"), ok("b")], { observers: [observer] });
    expect(order()).toEqual(["a:succeeded", "b:failed", "rollback:b:succeeded", "rollback:a:succeeded"]);
    expect(reports[1]?.error).toBe("afterStep: audit refused");
    expect(reports[0]?.state).toEqual({ a: true, seen: 1 });
    expect(reports.at(-1)?.state).toEqual({ seen: 4 });
  });

  test("observers that hang: a beforeStep vetoes, an afterStep times a succeeded step out; both are abandoned", async () => {
    const hangBefore: WorkflowObserver<State> = { beforeStep: (event) => (event.step === "b" ? new Promise(() => {}) : undefined) };
    const vetoed = await run([ok("a"), ok("b", { timeout: "50ms" })], { observers: [hangBefore] });
    expect(vetoed.order()).toEqual(["a:succeeded", "b:vetoed", "rollback:a:succeeded"]);
    expect(vetoed.reports[1]?.error).toBe("a beforeStep observer did not finish within 50 ms");
    const hangAfter: WorkflowObserver<State> = { afterStep: (event) => (event.step === "b" && event.direction === "run" ? new Promise(() => {}) : undefined) };
    const timedOut = await run([ok("a"), ok("b", { timeout: "50ms" })], { observers: [hangAfter] });
    expect(timedOut.order()).toEqual(["a:succeeded", "b:timed_out", "rollback:b:succeeded", "rollback:a:succeeded"]);
    expect(timedOut.logs).toContain("step b: an afterStep observer did not finish within 50 ms: abandoned, it may still be running");
  });

  test("a step left behind cannot change the state the rollbacks see", async () => {
    let late: State | null = null;
    const { reports } = await run([
      ok("a"),
      ok("b", {
        timeout: "50ms",
        run: (state) =>
          new Promise<void>((resolve) => {
            late = state;
            setTimeout(resolve, 200);
          }),
        rollback: async (state) => {
          (late as State).meddled = true;
          await new Promise((resolve) => setTimeout(resolve, 10));
          expect(state.meddled).toBeUndefined();
          state.checked = true;
        },
      }),
    ]);
    expect(reports.map((r) => r.outcome)).toEqual(["succeeded", "timed_out", "succeeded", "succeeded"]);
    expect(reports[2]?.state).toEqual({ a: true, checked: true });
  });

  test("a step that hangs past its timeout times out, is abandoned, and rolls back", async () => {
    const { order, logs, reports } = await run([ok("a"), ok("b", { run: () => new Promise(() => {}), timeout: "50ms" })]);
    expect(order()).toEqual(["a:succeeded", "b:timed_out", "rollback:b:succeeded", "rollback:a:succeeded"]);
    expect(reports[1]?.error).toBe("the step did not finish within 50 ms");
    expect(logs).toContain("step b: the step did not finish within 50 ms: abandoned, it may still be running");
  });

  test("a rollback that hangs times out and stops the walk", async () => {
    const { order } = await run([ok("a"), ok("b", { rollback: () => new Promise(() => {}) }), ok("c", { run: () => fail("no") })], { stepTimeout: "50ms" });
    expect(order()).toEqual(["a:succeeded", "b:succeeded", "c:failed", "rollback:c:succeeded", "rollback:b:timed_out"]);
  });

  test("the run stopping cancels the running step, and the walk back is not stopped by it", async () => {
    const controller = new AbortController();
    const rollbackSignals: boolean[] = [];
    const steps = [
      ok("a", {
        rollback: (state, ctx) => {
          rollbackSignals.push(ctx.signal.aborted);
          delete state.a;
        },
      }),
      ok("b", {
        run: (_state, ctx) =>
          new Promise<void>((resolve) => {
            ctx.signal.addEventListener("abort", () => resolve());
            controller.abort(new Error("stopped by SIGTERM"));
          }),
      }),
      ok("c"),
    ];
    const { order, reports } = await run(steps, { signal: controller.signal });
    expect(order()).toEqual(["a:succeeded", "b:cancelled", "rollback:b:succeeded", "rollback:a:succeeded"]);
    expect(reports[1]?.error).toBe("stopped by SIGTERM");
    expect(rollbackSignals).toEqual([false]);
  });

  test("a run stopped between two steps (waiting for an ack): the next step is not started", async () => {
    const controller = new AbortController();
    const h = harness({ signal: controller.signal });
    const report = h.io.report.bind(h.io);
    h.io.report = async (entry) => {
      await report(entry);
      if (entry.step === "a") controller.abort(new Error("stopped by SIGTERM"));
    };
    let started = false;
    await runWorkflowSteps({ steps: [ok("a"), ok("b", { run: () => void (started = true) })] }, {}, h.context, h.io);
    expect(started).toBe(false);
    expect(h.order()).toEqual(["a:succeeded", "b:vetoed", "rollback:a:succeeded"]);
    expect(h.reports[1]?.error).toBe("the run was stopped (stopped by SIGTERM) before it started");
  });

  test.each([
    ["a function", (state: State) => void (state.fn = () => 1), /left a state that is not JSON: a function at "fn"/],
    ["a BigInt", (state: State) => void (state.n = 10n), /left a state that is not JSON: Do not know how to serialize a BigInt/],
    ["a cycle", (state: State) => void (state.self = state), /left a state that is not JSON: .*circular/i],
    ["undefined", () => undefined as unknown as State, null],
    ["NaN", (state: State) => void (state.n = Number.NaN), /NaN at "n"/],
    ["a Map", (state: State) => void (state.m = new Map()), /a Map at "m"/],
  ])("a step that leaves %s in the state fails, and the last good state is reported", async (_what, bad, error) => {
    const { order, reports } = await run([ok("a"), ok("b", { run: bad })]);
    if (error === null) {
      // Returning undefined means "changed in place": nothing wrong.
      expect(order()).toEqual(["a:succeeded", "b:succeeded"]);
      return;
    }
    expect(order()).toEqual(["a:succeeded", "b:failed", "rollback:b:succeeded", "rollback:a:succeeded"]);
    expect(reports[1]?.error).toMatch(error);
    expect(reports[1]?.error).toMatch(/^step b left a state that/);
    expect(reports[1]?.state).toEqual({ a: true });
  });

  test("a state over the limit fails the step with its size", async () => {
    const { order, reports } = await run([ok("a"), ok("b", { run: (state) => void (state.blob = "x".repeat(3000)) })], { maxStateBytes: 2048 });
    expect(order()).toEqual(["a:succeeded", "b:failed", "rollback:b:succeeded", "rollback:a:succeeded"]);
    expect(reports[1]?.error).toBe("step b left a state that is 2.9 KiB, over the 2 KiB limit (WORKFLOW_STATE_LIMIT)");
  });

  test("each report waits for its ack before the next step starts", async () => {
    const h = harness();
    const events: string[] = [];
    let release: () => void = () => {};
    h.io.report = (report) => {
      events.push(`report ${report.step}`);
      return report.step === "a" ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
    };
    const steps = [ok("a"), ok("b", { run: () => void events.push("run b") })];
    const done = runWorkflowSteps({ steps }, {}, h.context, h.io);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events).toEqual(["report a"]);
    release();
    await done;
    expect(events).toEqual(["report a", "run b", "report b"]);
  });
});
