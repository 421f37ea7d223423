import { describe, expect, expectTypeOf, test } from "vitest";
import { csvRows, defineScript, file, int, type CsvRow } from "../../../src/sdk/index.js";
import { ITERATION_MARK } from "../../../src/sdk/iteration-mark.js";
import { describeScript } from "../../../src/sdk/define-script.js";

async function* ids({ cursor }: { cursor: number | null }) {
  for (let id = (cursor ?? 0) + 1; id <= 3; id++) yield { item: { id, email: `u${id}@example.com` }, cursor: id };
}

describe("defineScript with an iteration", () => {
  test("types: the item and the cursor come from the collection, the inputs from inputs", () => {
    const script = defineScript({
      inputs: { limit: int({ default: 5 }) },
      collection: ids,
      process(user, ctx) {
        expectTypeOf(user).toEqualTypeOf<{ id: number; email: string }>();
        expectTypeOf(ctx.inputs.limit).toEqualTypeOf<number>();
      },
      count: ({ inputs }) => inputs.limit,
    });
    expectTypeOf(script[ITERATION_MARK].collection).parameter(0).toHaveProperty("cursor").toEqualTypeOf<number | null>();

    const csv = defineScript({
      inputs: { codes: file() },
      collection: csvRows("codes"),
      process(row) {
        expectTypeOf(row).toEqualTypeOf<CsvRow>();
      },
    });
    expectTypeOf(csv[ITERATION_MARK].collection).parameter(0).toHaveProperty("cursor").toEqualTypeOf<number | null>();
  });

  test("marked, frozen and described", () => {
    const script = defineScript({ collection: ids, process() {}, batchSize: 2, pause: "1s" });
    expect(Object.isFrozen(script)).toBe(true);
    expect(typeof script.run).toBe("function");
    expect(describeScript(script).iteration).toEqual({ batchSize: 2, pauseMs: 1000, counted: false, csv: null });
  });

  test.each([
    ["run and collection", { collection: ids, process() {}, run() {} }, "give either `run` (a script) or `collection` and `process` (an iteration), not both"],
    ["no process", { collection: ids }, "an iteration needs `process`"],
    ["a collection that is no function", { collection: [1, 2], process() {} }, "`collection` must be a function"],
    ["batchSize 0", { collection: ids, process() {}, batchSize: 0 }, "batchSize must be a whole number from 1 to 10,000"],
    ["batchSize 2.5", { collection: ids, process() {}, batchSize: 2.5 }, "batchSize must be a whole number"],
    ["batchSize 10001", { collection: ids, process() {}, batchSize: 10_001 }, "not 10001"],
    ["a pause that is no duration", { collection: ids, process() {}, pause: "soon" }, "pause: invalid duration"],
    ["a pause over an hour", { collection: ids, process() {}, pause: "61m" }, "longer than the longest pause between batches, 1h"],
    ["count that is no function", { collection: ids, process() {}, count: 3 }, "count must be a function"],
    ["csvRows of an undeclared input", { collection: csvRows("codes"), process() {} }, 'csvRows("codes") reads the file input "codes": declare it'],
  ])("%s is refused at once", (_, definition, message) => {
    expect(() => defineScript(definition as never)).toThrow(message);
  });
});
