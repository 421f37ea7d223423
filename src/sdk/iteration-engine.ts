import { checkCursor } from "./check-cursor.js";
import type { RunContext } from "./define-script.js";
import { describeIteration } from "./describe-iteration.js";
import type { IterationDefinition } from "./iteration-types.js";
import type { BatchReport, IterationResumption } from "./protocol.js";

/** Where the engine's records go: the reporter and the channel in a run, the test helper's capture otherwise. */
export interface IterationIO {
  /** Sends a completed batch; resolves with the ack once it is checkpointed (`pause`: a person asked the run to pause). */
  report(batch: BatchReport): Promise<{ pause: boolean }>;
  progress(value: { done: number; total: number | null }): void;
  log(line: string): void;
  /** Waits `ms` between batches, ending early when `signal` aborts. Default: a timer. */
  sleep?(ms: number, signal: AbortSignal): Promise<void>;
  /** Called before each item with its number in the run (1-based, as messages number items): the test helper loses the worker there. */
  beforeItem?(n: number): void;
  /** What an item's `process` (or the collection) threw, for its stack. */
  thrown?(error: unknown): void;
}

export interface IterationOutcome {
  ended: "finished" | "paused" | "failed";
  /** Why it failed (the run's fail reason), else null. */
  failure: string | null;
  /** Items processed in this process. */
  processed: number;
  /** The last checkpoint (the resumption's when this process made none). */
  checkpoint: IterationResumption;
}

type Pulled = { item: unknown; json: string } | { end: true } | { problem: string };

/**
 * Goes through an iteration's collection from `resumption` (null: from the start): each item
 * processed in turn, and after each batch of `batchSize` (or the last, shorter one) a
 * BatchReport, waited for (its ack means the checkpoint is saved). It looks one item ahead, so
 * a batch knows whether it is the last. Bad input (a collection that throws or does not
 * advance, a cursor that is not JSON or too large, an item that throws) ends it `failed` with
 * a clear reason and nothing processed after it; a batch in flight then is not checkpointed.
 */
export async function runIterationBatches<T, C, V>(
  definition: IterationDefinition<T, C, V>,
  context: RunContext<V>,
  io: IterationIO,
  resumption: IterationResumption | null,
): Promise<IterationOutcome> {
  const { batchSize, pauseMs } = describeIteration(definition);
  const start = resumption ?? { seq: 0, done: 0, cursor: null };
  let checkpoint: IterationResumption = { ...start };
  let done = start.done;
  let processed = 0;
  let total: number | null = null;
  io.progress({ done, total });

  const kept = (): string =>
    checkpoint.done === 0
      ? "nothing is checkpointed yet: Resume starts from the first item"
      : `the checkpoint after item ${checkpoint.done} is kept: Resume retries from item ${checkpoint.done + 1}`;
  const failed = (reason: string): IterationOutcome => {
    const failure = `${reason}; ${kept()}`;
    // Logged too: an item that called fail() has its own reason recorded first, and the log still says where Resume goes on.
    io.log(failure);
    return { ended: "failed", failure, processed, checkpoint };
  };

  let iterator: AsyncIterator<unknown> | Iterator<unknown>;
  try {
    const iterable = definition.collection({ cursor: start.cursor as C | null, inputs: context.inputs, signal: context.signal });
    const found = iteratorOf(iterable);
    if (found === null) return failed(`the collection must return an iterable of { item, cursor } (write it as an async generator), not ${whatItIs(iterable)}`);
    iterator = found;
  } catch (error) {
    io.thrown?.(error);
    return failed(`the collection threw: ${messageOf(error)}`);
  }

  let previous = JSON.stringify(start.cursor);
  const pull = async (n: number): Promise<Pulled> => {
    let step: IteratorResult<unknown>;
    try {
      step = await iterator.next();
    } catch (error) {
      io.thrown?.(error);
      return { problem: `the collection threw before item ${n}: ${messageOf(error)}` };
    }
    if (step.done === true) return { end: true };
    const entry = step.value;
    if (typeof entry !== "object" || entry === null || !("cursor" in entry) || !("item" in entry)) {
      return { problem: `the collection yielded ${whatItIs(entry)} as item ${n}: yield { item, cursor }` };
    }
    const cursor = checkCursor(entry.cursor);
    if (!cursor.ok) return { problem: `item ${n}'s cursor ${cursor.problem}` };
    if (cursor.json === previous) {
      const before = n === start.done + 1 ? "the cursor it started from" : `item ${n - 1}'s`;
      return { problem: `the collection does not advance: item ${n}'s cursor ${shorten(cursor.json)} is the same as ${before}` };
    }
    previous = cursor.json;
    return { item: entry.item, json: cursor.json };
  };

  // Counted alongside the items: a slow count (a COUNT(*) over a large table), or one that
  // hangs, must not hold them back. What it says once the run is over is not heard.
  let over = false;
  void countItems(definition, context.inputs).then((counted) => {
    if (over) return;
    if (typeof counted === "string") return io.log(counted);
    total = counted;
    if (total !== null) io.progress({ done, total });
  });

  try {
    let next = await pull(done + 1);
    let batch: { items: number; started: number; startedAt: string } | null = null;
    let ended = false;
    while (!("end" in next)) {
      if ("problem" in next) return failed(next.problem);
      if (context.signal.aborted) return failed(`stopped (${messageOf(context.signal.reason)}) before item ${done + 1}`);
      const current = next;
      io.beforeItem?.(done + 1);
      batch ??= { items: 0, started: performance.now(), startedAt: new Date().toISOString() };
      try {
        await definition.process(current.item as T, context);
      } catch (error) {
        io.thrown?.(error);
        return failed(`item ${done + 1} threw: ${messageOf(error)}`);
      }
      done++;
      processed++;
      batch.items++;
      io.progress({ done, total });
      const full = batch.items === batchSize;
      next = await pull(done + 1);
      // A full batch is checkpointed even when what comes after it is bad; a partial one only when it is the last.
      if (!full && !("end" in next)) continue;
      const last = "end" in next;
      const report: BatchReport = {
        seq: checkpoint.seq + 1,
        cursor: JSON.parse(current.json) as unknown,
        items: batch.items,
        done,
        startedAt: batch.startedAt,
        durationMs: Math.round(performance.now() - batch.started),
        last,
      };
      let ack: { pause: boolean };
      try {
        ack = await io.report(report);
      } catch (error) {
        return failed(`batch ${report.seq}'s checkpoint could not be saved (${messageOf(error)}): the iteration stops here`);
      }
      checkpoint = { seq: report.seq, done, cursor: report.cursor };
      batch = null;
      if (last) {
        if (ack.pause) io.log(`the pause came too late: batch ${report.seq} was the last, the iteration is finished`);
        ended = true;
        break;
      }
      if ("problem" in next) continue;
      if (ack.pause) return { ended: "paused", failure: null, processed, checkpoint };
      if (pauseMs > 0) await (io.sleep ?? sleep)(pauseMs, context.signal);
    }
    // Nothing (more) to process: an empty last batch tells the worker the iteration is finished, not stopped early.
    if (!ended) {
      const report: BatchReport = {
        seq: checkpoint.seq + 1,
        cursor: start.cursor,
        items: 0,
        done,
        startedAt: new Date().toISOString(),
        durationMs: 0,
        last: true,
      };
      try {
        await io.report(report);
      } catch (error) {
        return failed(`the last checkpoint could not be saved (${messageOf(error)}): the iteration stops here`);
      }
      checkpoint = { seq: report.seq, done, cursor: start.cursor };
    }
    return { ended: "finished", failure: null, processed, checkpoint };
  } finally {
    over = true;
    // Lets a generator close what it opened (a file, a cursor); never waited for: one that hangs must not hold the run.
    try {
      void Promise.resolve(iterator.return?.()).catch(() => {});
    } catch {
      // A return() that throws at once: nothing more to close.
    }
  }
}

/**
 * The total for progress: `count` (else the collection's own, as csvRows has), once per process;
 * null when there is none, or why there is no total when it fails.
 */
async function countItems<T, C, V>(definition: IterationDefinition<T, C, V>, inputs: V): Promise<number | null | string> {
  const count = definition.count ?? definition.collection.count;
  if (typeof count !== "function") return null;
  try {
    const total = await count({ inputs });
    if (Number.isSafeInteger(total) && total >= 0) return total;
    return `count returned ${whatItIs(total)}, not a whole number: progress has no total`;
  } catch (error) {
    return `count threw: ${messageOf(error)}: progress has no total`;
  }
}

function iteratorOf(value: unknown): AsyncIterator<unknown> | Iterator<unknown> | null {
  if (typeof value !== "object" || value === null) return null;
  const asyncMethod = (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator];
  if (typeof asyncMethod === "function") return asyncMethod.call(value);
  const syncMethod = (value as Partial<Iterable<unknown>>)[Symbol.iterator];
  return typeof syncMethod === "function" ? syncMethod.call(value) : null;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

// A longer one is not shown at all: cut here, before the runner redacts it, a secret across the cut would show in part.
const shorten = (json: string): string => (json.length > 80 ? `(${json.length} characters of JSON, not shown)` : json);

function whatItIs(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `the string ${shorten(JSON.stringify(value))}`;
  return typeof value === "number" || typeof value === "boolean" ? String(value) : typeof value === "undefined" ? "undefined" : `a ${typeof value}`;
}

function messageOf(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return "a value that cannot be shown as text";
  }
}
