import { describe, expect, test } from "vitest";
import type { RunContext } from "../../../src/sdk/define-script.js";
import { runIterationBatches, type IterationIO } from "../../../src/sdk/iteration-engine.js";
import type { Collection, IterationDefinition } from "../../../src/sdk/iteration-types.js";
import { MAX_CURSOR_BYTES, type BatchReport, type IterationResumption } from "../../../src/sdk/protocol.js";
import { fail } from "../../../src/sdk/reporter.js";

type Inputs = Record<string, unknown>;

function harness(options: { pauseAt?: number; signal?: AbortSignal } = {}) {
  const logs: string[] = [];
  const batches: BatchReport[] = [];
  const progress: { done: number; total: number | null }[] = [];
  const sleeps: number[] = [];
  const io: IterationIO = {
    report: (batch) => {
      batches.push(batch);
      return Promise.resolve({ pause: batch.seq === options.pauseAt });
    },
    progress: (value) => progress.push(value),
    log: (line) => logs.push(line),
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  };
  const context: RunContext<Inputs> = {
    inputs: {},
    log: (...args) => logs.push(args.join(" ")),
    counter: { set() {}, inc() {} },
    progress() {},
    fail,
    signal: options.signal ?? new AbortController().signal,
  };
  return { io, context, logs, batches, progress, sleeps };
}

/** Items 1..n, the cursor of each its own number. */
function numbers(n: number): Collection<number, number, Inputs> {
  return async function* ({ cursor }) {
    for (let i = (cursor ?? 0) + 1; i <= n; i++) yield { item: i, cursor: i };
  };
}

function iteration(collection: Collection<unknown, unknown, Inputs>, extra: Partial<IterationDefinition<unknown, unknown, Inputs>> = {}) {
  const seen: unknown[] = [];
  const definition: IterationDefinition<unknown, unknown, Inputs> = {
    collection,
    process: (item) => void seen.push(item),
    ...extra,
  };
  return { definition, seen };
}

describe("runIterationBatches", () => {
  test("batches of batchSize, the last shorter and marked last, each acked before the next item", async () => {
    const h = harness();
    const order: string[] = [];
    h.io.report = (batch) => {
      order.push(`batch ${batch.seq}`);
      h.batches.push(batch);
      return Promise.resolve({ pause: false });
    };
    const { definition } = iteration(numbers(7) as Collection<unknown, unknown, Inputs>, {
      batchSize: 3,
      process: (item) => void order.push(`item ${String(item)}`),
      count: () => 7,
    });
    const out = await runIterationBatches(definition, h.context, h.io, null);
    expect(out).toMatchObject({ ended: "finished", failure: null, processed: 7, checkpoint: { seq: 3, done: 7, cursor: 7 } });
    expect(h.batches.map(({ seq, cursor, items, done, last }) => ({ seq, cursor, items, done, last }))).toEqual([
      { seq: 1, cursor: 3, items: 3, done: 3, last: false },
      { seq: 2, cursor: 6, items: 3, done: 6, last: false },
      { seq: 3, cursor: 7, items: 1, done: 7, last: true },
    ]);
    expect(order).toEqual(["item 1", "item 2", "item 3", "batch 1", "item 4", "item 5", "item 6", "batch 2", "item 7", "batch 3"]);
    // Counted alongside the first item: known by the end.
    expect(h.progress.at(0)).toEqual({ done: 0, total: null });
    expect(h.progress.at(-1)).toEqual({ done: 7, total: 7 });
  });

  test("a batch that ends exactly at the end of the collection is the last (one item looked ahead)", async () => {
    const h = harness();
    const { definition } = iteration(numbers(6) as Collection<unknown, unknown, Inputs>, { batchSize: 3 });
    await runIterationBatches(definition, h.context, h.io, null);
    expect(h.batches.map((b) => [b.seq, b.items, b.last])).toEqual([
      [1, 3, false],
      [2, 3, true],
    ]);
  });

  test("goes on from a resumption: the collection is called with its cursor, numbering goes on from seq and done", async () => {
    const h = harness();
    let calledWith: unknown = "never";
    const inner = numbers(10);
    const { definition, seen } = iteration(((args) => ((calledWith = args.cursor), inner(args as never))) as Collection<unknown, unknown, Inputs>, {
      batchSize: 4,
    });
    const resumption: IterationResumption = { seq: 2, done: 8, cursor: 8 };
    const out = await runIterationBatches(definition, h.context, h.io, resumption);
    expect(calledWith).toBe(8);
    expect(seen).toEqual([9, 10]);
    expect(h.batches).toMatchObject([{ seq: 3, done: 10, items: 2, cursor: 10, last: true }]);
    expect(out).toMatchObject({ ended: "finished", processed: 2, checkpoint: { seq: 3, done: 10 } });
  });

  test("an ack asking to pause stops after that batch; on the last batch it comes too late", async () => {
    const paused = harness({ pauseAt: 1 });
    const first = iteration(numbers(5) as Collection<unknown, unknown, Inputs>, { batchSize: 2 });
    expect(await runIterationBatches(first.definition, paused.context, paused.io, null)).toMatchObject({
      ended: "paused",
      checkpoint: { seq: 1, done: 2, cursor: 2 },
    });
    expect(first.seen).toEqual([1, 2]);

    const late = harness({ pauseAt: 3 });
    const second = iteration(numbers(5) as Collection<unknown, unknown, Inputs>, { batchSize: 2 });
    expect(await runIterationBatches(second.definition, late.context, late.io, null)).toMatchObject({ ended: "finished" });
    expect(late.logs).toContain("the pause came too late: batch 3 was the last, the iteration is finished");
  });

  test("sleeps `pause` between batches, not after the last", async () => {
    const h = harness();
    const { definition } = iteration(numbers(5) as Collection<unknown, unknown, Inputs>, { batchSize: 2, pause: "250ms" });
    await runIterationBatches(definition, h.context, h.io, null);
    expect(h.sleeps).toEqual([250, 250]);
  });

  test("an item that throws fails the run: nothing after it, its batch not checkpointed, the message says where Resume goes on", async () => {
    const h = harness();
    const { definition, seen } = iteration(numbers(200) as Collection<unknown, unknown, Inputs>, {
      batchSize: 50,
      process: (item) => {
        seen.push(item);
        if (item === 137) throw new Error("duplicate key");
      },
    });
    const out = await runIterationBatches(definition, h.context, h.io, null);
    expect(out.ended).toBe("failed");
    expect(out.failure).toBe("item 137 threw: duplicate key; the checkpoint after item 100 is kept: Resume retries from item 101");
    expect(seen.at(-1)).toBe(137);
    expect(h.batches.map((b) => b.seq)).toEqual([1, 2]);
  });

  test("an item that throws before any checkpoint", async () => {
    const h = harness();
    const { definition } = iteration(numbers(5) as Collection<unknown, unknown, Inputs>, {
      process: () => {
        throw new Error("no");
      },
    });
    const out = await runIterationBatches(definition, h.context, h.io, null);
    expect(out.failure).toBe("item 1 threw: no; nothing is checkpointed yet: Resume starts from the first item");
  });

  test("a cursor that does not advance (the same forever) fails at the second item, after processing only the first", async () => {
    const h = harness();
    const { definition, seen } = iteration(
      function* () {
        for (;;) yield { item: "x", cursor: { page: 1 } };
      } as Collection<unknown, unknown, Inputs>,
      { batchSize: 1 },
    );
    const out = await runIterationBatches(definition, h.context, h.io, null);
    expect(out.failure).toBe(
      "the collection does not advance: item 2's cursor {\"page\":1} is the same as item 1's; the checkpoint after item 1 is kept: Resume retries from item 2",
    );
    expect(seen).toEqual(["x"]);
  });

  test("a first cursor equal to the one it started from does not advance either", async () => {
    const h = harness();
    const { definition, seen } = iteration(function* () {
      yield { item: 1, cursor: 40 };
    } as Collection<unknown, unknown, Inputs>);
    const out = await runIterationBatches(definition, h.context, h.io, { seq: 1, done: 40, cursor: 40 });
    expect(out.failure).toContain("item 41's cursor 40 is the same as the cursor it started from; the checkpoint after item 40 is kept");
    expect(seen).toEqual([]);
  });

  test.each([
    ["undefined", undefined, "item 1's cursor cannot be serialised (it is not JSON): it is undefined"],
    ["a function", () => 1, "item 1's cursor cannot be serialised (it is not JSON): a function at the top"],
    ["a BigInt", 10n, "item 1's cursor cannot be serialised (it is not JSON): Do not know how to serialize a BigInt"],
    ["NaN", Number.NaN, "item 1's cursor cannot be serialised (it is not JSON): NaN at the top"],
    [
      "a circular object",
      (() => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      })(),
      "item 1's cursor cannot be serialised (it is not JSON): Converting circular structure",
    ],
    [
      "a toJSON getter that throws",
      Object.defineProperty({}, "toJSON", {
        get() {
          throw new Error("gotcha");
        },
      }),
      "item 1's cursor cannot be serialised (it is not JSON): gotcha",
    ],
    ["a 1 MB string", "x".repeat(1024 * 1024), "item 1's cursor is 1 MiB as JSON, over the 16 KiB limit"],
  ])("a cursor that is %s fails the run before its item is processed", async (_, cursor, message) => {
    const h = harness();
    const { definition, seen } = iteration(function* () {
      yield { item: "a", cursor };
    } as Collection<unknown, unknown, Inputs>);
    const out = await runIterationBatches(definition, h.context, h.io, null);
    expect(out.ended).toBe("failed");
    expect(out.failure).toContain(message);
    expect(seen).toEqual([]);
    expect(h.batches).toEqual([]);
  });

  test("a cursor just at the limit is fine", async () => {
    const h = harness();
    const cursor = "x".repeat(MAX_CURSOR_BYTES - 2);
    const { definition } = iteration(function* () {
      yield { item: "a", cursor };
    } as Collection<unknown, unknown, Inputs>);
    expect((await runIterationBatches(definition, h.context, h.io, null)).ended).toBe("finished");
    expect(h.batches[0]?.cursor).toBe(cursor);
  });

  test("a full batch followed by a bad item is checkpointed before the run fails", async () => {
    const h = harness();
    const { definition, seen } = iteration(
      function* () {
        yield { item: 1, cursor: 1 };
        yield { item: 2, cursor: 2 };
        yield { item: 3, cursor: 2 };
      } as Collection<unknown, unknown, Inputs>,
      { batchSize: 2 },
    );
    const out = await runIterationBatches(definition, h.context, h.io, null);
    expect(h.batches).toMatchObject([{ seq: 1, done: 2, cursor: 2, last: false }]);
    expect(out.failure).toContain("the checkpoint after item 2 is kept: Resume retries from item 3");
    expect(seen).toEqual([1, 2]);
  });

  test.each([
    ["not iterable", () => 42, "the collection must return an iterable of { item, cursor } (write it as an async generator), not 42"],
    [
      "throws when called",
      () => {
        throw new Error("db down");
      },
      "the collection threw: db down",
    ],
    [
      "throws while yielding",
      async function* () {
        yield { item: 1, cursor: 1 };
        throw new Error("connection reset");
      },
      "the collection threw before item 2: connection reset; nothing is checkpointed yet",
    ],
    [
      "yields something that is not { item, cursor }",
      function* () {
        yield 5;
      },
      "the collection yielded 5 as item 1: yield { item, cursor }",
    ],
  ])("a collection that %s fails the run with a clear message", async (_, collection, message) => {
    const h = harness();
    const { definition } = iteration(collection as unknown as Collection<unknown, unknown, Inputs>);
    const out = await runIterationBatches(definition, h.context, h.io, null);
    expect(out.ended).toBe("failed");
    expect(out.failure).toContain(message);
  });

  test("count: once per process, the collection's own when the definition has none, no total when it fails", async () => {
    const h = harness();
    let counted = 0;
    const collection = Object.assign(numbers(3), { count: () => (counted++, 3) });
    await runIterationBatches(iteration(collection as Collection<unknown, unknown, Inputs>).definition, h.context, h.io, null);
    expect(counted).toBe(1);
    expect(h.progress.at(-1)).toEqual({ done: 3, total: 3 });

    const bad = harness();
    const { definition } = iteration(numbers(2) as Collection<unknown, unknown, Inputs>, {
      count: () => {
        throw new Error("no stats");
      },
    });
    expect((await runIterationBatches(definition, bad.context, bad.io, null)).ended).toBe("finished");
    expect(bad.logs).toContain("count threw: no stats: progress has no total");
    expect(bad.progress.at(-1)).toEqual({ done: 2, total: null });
  });

  test("count runs alongside the items: one that hangs holds nothing back, and a late total shows from when it comes", async () => {
    const hanging = harness();
    const never = iteration(numbers(5) as Collection<unknown, unknown, Inputs>, { batchSize: 2, count: () => new Promise<number>(() => {}) });
    expect(await runIterationBatches(never.definition, hanging.context, hanging.io, null)).toMatchObject({ ended: "finished", processed: 5 });
    expect(never.seen).toEqual([1, 2, 3, 4, 5]);
    expect(hanging.progress.every((p) => p.total === null)).toBe(true);

    const late = harness();
    let answer!: (total: number) => void;
    const counted = new Promise<number>((resolve) => (answer = resolve));
    const { definition } = iteration(numbers(5) as Collection<unknown, unknown, Inputs>, {
      batchSize: 2,
      count: () => counted,
      process: async (item) => {
        // The count comes in while item 3 is processed.
        if (item === 3) answer(5);
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
    await runIterationBatches(definition, late.context, late.io, null);
    const shown = late.progress.map(({ done, total }) => `${done}/${total ?? "?"}`);
    expect(shown).toEqual(["0/?", "1/?", "2/?", "2/5", "3/5", "4/5", "5/5"]);
  });

  test("a count that fails once the run is over says nothing", async () => {
    const h = harness();
    let fail!: (error: Error) => void;
    const counting = new Promise<number>((_, reject) => (fail = reject));
    const { definition } = iteration(numbers(2) as Collection<unknown, unknown, Inputs>, { count: () => counting });
    expect((await runIterationBatches(definition, h.context, h.io, null)).ended).toBe("finished");
    fail(new Error("too late"));
    await counting.catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.logs.join("\n")).not.toContain("too late");
  });

  test("an aborted run stops before the next item", async () => {
    const controller = new AbortController();
    const h = harness({ signal: controller.signal });
    const { definition, seen } = iteration(numbers(10) as Collection<unknown, unknown, Inputs>, {
      process: (item) => {
        seen.push(item);
        if (item === 3) controller.abort(new Error("stopped by SIGTERM"));
      },
    });
    const out = await runIterationBatches(definition, h.context, h.io, null);
    expect(out.failure).toContain("stopped (stopped by SIGTERM) before item 4");
    expect(seen).toEqual([1, 2, 3]);
  });

  test("a lost ack (the worker's end closed) stops the iteration", async () => {
    const h = harness();
    h.io.report = () => Promise.reject(new Error("the report channel closed"));
    const { definition, seen } = iteration(numbers(10) as Collection<unknown, unknown, Inputs>, { batchSize: 2 });
    const out = await runIterationBatches(definition, h.context, h.io, null);
    expect(out.failure).toContain("batch 1's checkpoint could not be saved (the report channel closed): the iteration stops here");
    expect(seen).toEqual([1, 2]);
  });
});
