import { describe, expect, test } from "vitest";
import { defineScript } from "../../../src/sdk/define-script.js";
import { defineWorkflow } from "../../../src/sdk/define-workflow.js";
import { bool, int, string } from "../../../src/sdk/inputs.js";
import { counter, fail, log, progress } from "../../../src/sdk/reporter.js";
import { runScript } from "../../../src/testing/index.js";

const script = defineScript({
  inputs: { limit: int({ default: 2, min: 1 }), mode: string({ choices: ["ok", "fail", "throw"], default: "ok" }), loud: bool({ default: false }) },
  async run({ inputs, log: ctxLog, counter: ctxCounter, progress: ctxProgress }) {
    ctxLog("limit", inputs.limit);
    for (let i = 0; i < inputs.limit; i++) ctxCounter.inc("sent");
    ctxProgress({ done: inputs.limit, total: inputs.limit });
    if (inputs.mode === "fail") fail("nothing to do");
    if (inputs.mode === "throw") throw new Error("boom");
    return { sent: inputs.limit, loud: inputs.loud, at: new Date(0) };
  },
});

describe("runScript", () => {
  test("runs with coerced inputs and returns the result as JSON, logs, counters, progress", async () => {
    const run = await runScript(script, { inputs: { limit: "3", loud: "yes" } });
    expect(run).toMatchObject({
      status: "succeeded",
      result: { sent: 3, loud: true, at: "1970-01-01T00:00:00.000Z" },
      failReason: null,
      error: null,
      logs: ["limit 3"],
      counters: { sent: 3 },
      progress: { done: 3, total: 3 },
    });
    expect((await runScript(script, { inputs: { limit: 4 } })).counters).toEqual({ sent: 4 });
  });

  test("fail() and a throw: failed, with the reason or the error", async () => {
    const failed = await runScript(script, { inputs: { mode: "fail" } });
    expect(failed).toMatchObject({ status: "failed", failReason: "nothing to do", result: null, counters: { sent: 2 } });
    const thrown = await runScript(script, { inputs: { mode: "throw" } });
    expect(thrown.status).toBe("failed");
    expect(thrown.failReason).toBeNull();
    expect((thrown.error as Error).message).toBe("boom");
  });

  test("bad inputs throw with every problem, unknown names included", async () => {
    await expect(runScript(script, { inputs: { limit: "0", mode: "x" } })).rejects.toThrow(
      /runScript: invalid inputs: limit: must be an integer ≥ 1, got "0"; mode: must be one of "ok", "fail", "throw", got "x"/,
    );
    await expect(runScript(script, { inputs: { limt: 3 } })).rejects.toThrow(/limt: not an input of this script \(it has limit, mode, loud\)/);
    await expect(runScript({ run: () => 1 } as never)).rejects.toThrow(/defineScript/);
    await expect(runScript(defineWorkflow({ state: {}, steps: [{ name: "a", run() {} }] }))).rejects.toThrow(/use runWorkflow/);
  });

  test("the standalone log(), counter and progress are captured, and concurrent runs keep their own", async () => {
    const standalone = defineScript({
      inputs: { who: string() },
      async run({ inputs }) {
        for (let i = 0; i < 5; i++) {
          log(`${inputs.who} ${i}`);
          counter.inc(inputs.who);
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        progress(0.5);
        return inputs.who;
      },
    });
    const [a, b] = await Promise.all([runScript(standalone, { inputs: { who: "a" } }), runScript(standalone, { inputs: { who: "b" } })]);
    expect(a.logs).toEqual(["a 0", "a 1", "a 2", "a 3", "a 4"]);
    expect(b.logs).toEqual(["b 0", "b 1", "b 2", "b 3", "b 4"]);
    expect(a.counters).toEqual({ a: 5 });
    expect(b.counters).toEqual({ b: 5 });
    expect(a.progress).toEqual({ done: 0.5, total: 1 });
  });

  test("the signal reaches the script", async () => {
    const controller = new AbortController();
    const waits = defineScript({
      run: ({ signal }) =>
        new Promise((resolve) => {
          signal.addEventListener("abort", () => resolve({ stopped: String(signal.reason) }));
          controller.abort("cancelled by test");
        }),
    });
    expect((await runScript(waits, { signal: controller.signal })).result).toEqual({ stopped: "cancelled by test" });
  });

  test("a result too large is recorded as a run would record it", async () => {
    const big = defineScript({ run: () => "x".repeat(70 * 1024) });
    expect((await runScript(big)).result).toEqual({ truncated: true, bytes: 70 * 1024 + 2 });
  });
});
