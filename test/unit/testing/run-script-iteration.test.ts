import { describe, expect, test } from "vitest";
import { defineScript } from "../../../src/sdk/define-script.js";
import { int } from "../../../src/sdk/inputs.js";
import { runScript } from "../../../src/testing/index.js";

/** Items 1..n (n from the input), the cursor of each its own number; what `process` did is in `done`. */
function numbers(extra: { batchSize?: number; failAt?: number } = {}) {
  const done: number[] = [];
  const script = defineScript({
    inputs: { n: int({ default: 10 }) },
    async *collection({ cursor, inputs }: { cursor: number | null; inputs: { n: number } }) {
      for (let i = (cursor ?? 0) + 1; i <= inputs.n; i++) yield { item: i, cursor: i };
    },
    process(item) {
      if (item === extra.failAt) throw new Error(`item ${item} is bad`);
      done.push(item);
    },
    batchSize: extra.batchSize ?? 3,
    count: ({ inputs }) => inputs.n,
  });
  return { script, done };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("runScript with an iteration", () => {
  test("runs it through: every item once, a checkpoint per batch, the total, its result", async () => {
    const { script, done } = numbers();
    const run = await runScript(script, { inputs: { n: 7 } });
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual({ processed: 7 });
    expect(done).toEqual(range(1, 7));
    expect(run.iteration).toEqual({
      processed: range(1, 7),
      checkpoints: [
        { seq: 1, done: 3, cursor: 3 },
        { seq: 2, done: 6, cursor: 6 },
        { seq: 3, done: 7, cursor: 7 },
      ],
      interruptedAt: null,
      pausedAfter: null,
      total: 7,
    });
    expect(run.progress).toEqual({ done: 7, total: 7 });
  });

  test("interruptAt: the batch in flight is abandoned and processed again from the last checkpoint, none before it", async () => {
    const { script } = numbers();
    const run = await runScript(script, { inputs: { n: 10 }, interruptAt: 5 });
    expect(run.status).toBe("succeeded");
    expect(run.iteration?.interruptedAt).toBe(5);
    // Item 4 was processed in the batch in flight (4 to 6), then again after the resume from item 3's checkpoint.
    expect(run.iteration?.processed).toEqual([1, 2, 3, 4, ...range(4, 10)]);
    expect(run.iteration?.checkpoints.map((c) => c.done)).toEqual([3, 6, 9, 10]);
    expect(run.result).toEqual({ processed: 10 });
  });

  test("interruptAt before the first checkpoint starts over from the first item", async () => {
    const { script } = numbers();
    const run = await runScript(script, { inputs: { n: 4 }, interruptAt: 2 });
    expect(run.iteration?.processed).toEqual([1, 1, 2, 3, 4]);
  });

  test("interruptAt on the first item of a batch: nothing is processed twice", async () => {
    const { script } = numbers();
    const run = await runScript(script, { inputs: { n: 6 }, interruptAt: 4 });
    expect(run.iteration?.processed).toEqual(range(1, 6));
  });

  test("interruptAt past the end never interrupts", async () => {
    const { script } = numbers();
    const run = await runScript(script, { inputs: { n: 3 }, interruptAt: 99 });
    expect(run.iteration?.interruptedAt).toBeNull();
  });

  test("pauseAfterBatch: it stops after that batch, then resumes from its checkpoint; with resume: false it stays paused", async () => {
    const { script } = numbers();
    const resumed = await runScript(script, { inputs: { n: 10 }, pauseAfterBatch: 2 });
    expect(resumed).toMatchObject({ status: "succeeded", iteration: { pausedAfter: 2, processed: range(1, 10) } });

    const paused = await runScript(numbers().script, { inputs: { n: 10 }, pauseAfterBatch: 2, resume: false });
    expect(paused).toMatchObject({ status: "paused", result: null, iteration: { pausedAfter: 2, processed: range(1, 6) } });
  });

  test("a pause asked on the last batch comes too late: it finishes", async () => {
    const run = await runScript(numbers().script, { inputs: { n: 5 }, pauseAfterBatch: 2, resume: false });
    expect(run).toMatchObject({ status: "succeeded", iteration: { pausedAfter: null } });
    expect(run.logs).toContain("the pause came too late: batch 2 was the last, the iteration is finished");
  });

  test("an item that throws fails the run with where Resume goes on", async () => {
    const run = await runScript(numbers({ failAt: 5 }).script, { inputs: { n: 10 } });
    expect(run.status).toBe("failed");
    expect(run.failReason).toBe("item 5 threw: item 5 is bad; the checkpoint after item 3 is kept: Resume retries from item 4");
    expect(run.iteration?.processed).toEqual(range(1, 5));
  });

  test("a collection that yields the same cursor forever fails instead of looping", async () => {
    const script = defineScript({
      *collection() {
        for (;;) yield { item: "again", cursor: "page-1" };
      },
      process() {},
    });
    const run = await runScript(script);
    expect(run.status).toBe("failed");
    expect(run.failReason).toContain("the collection does not advance: item 2's cursor \"page-1\" is the same as item 1's");
  });

  test("bad options are refused", async () => {
    await expect(runScript(numbers().script, { interruptAt: 0 })).rejects.toThrow("interruptAt must be an item number");
    await expect(runScript(defineScript({ run() {} }), { interruptAt: 1 })).rejects.toThrow("interruptAt and pauseAfterBatch are for iterations");
  });
});
