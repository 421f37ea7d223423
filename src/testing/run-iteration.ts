import type { RunContext } from "../sdk/define-script.js";
import type { InputDeclarations, InputValues } from "../sdk/inputs.js";
import { runIterationBatches, type IterationIO, type IterationOutcome } from "../sdk/iteration-engine.js";
import type { AnyIteration } from "../sdk/iteration-mark.js";
import type { IterationResumption } from "../sdk/protocol.js";
import { fail } from "../sdk/reporter.js";
import type { Captured } from "./capture-client.js";
import { captureReports } from "./scoped-reporter.js";

export interface IterationTestOptions {
  /**
   * Simulates the worker lost when item `interruptAt` (1-based, numbered in the run as the
   * messages number items) is about to be processed, once: the batch in flight is abandoned
   * (never checkpointed), and the run resumes from its last checkpoint, as a person's Resume
   * does. Items of that batch are then processed again: see `iteration.processed`.
   */
  interruptAt?: number;
  /** Asks the run to pause after batch `pauseAfterBatch` (its seq, from 1), as a person's Pause does; then it resumes, unless `resume` is false. */
  pauseAfterBatch?: number;
  /** After `pauseAfterBatch`: false leaves the run `paused` (default true: it resumes from the checkpoint). */
  resume?: boolean;
}

/** What an iteration did in a test, across every process of the run. */
export interface IterationTestRun {
  /** Every item given to `process`, in order, repeats included (those of a batch in flight when the worker was lost). */
  processed: unknown[];
  /** Every checkpoint saved, in order. */
  checkpoints: IterationResumption[];
  /** The item the worker was lost at (`interruptAt`), or null when it never came to it. */
  interruptedAt: number | null;
  /** The batch after which the run paused (`pauseAfterBatch`), or null when it did not (it was the last, or never came). */
  pausedAfter: number | null;
  /** What `count` (or the CSV) said, or null. */
  total: number | null;
}

export interface IterationTestOutcome extends Captured {
  status: "succeeded" | "failed" | "paused";
  result: unknown;
  error: unknown;
  iteration: IterationTestRun;
}

// Each interruption and each pause adds one process; these ask for at most one of each.
const MAX_PROCESSES = 3;

type Values = InputValues<InputDeclarations>;

class LostWorker extends Error {
  constructor(readonly item: number) {
    super(`the worker was lost before item ${item} (interruptAt)`);
    this.name = "LostWorker";
  }
}

/**
 * Runs an iteration in this process with the engine chorebot runs, nothing waiting for the
 * checkpoints and no pause slept between batches. A lost worker or a pause goes on from the
 * last checkpoint, as an IterationResumption, like a fresh process of a real run.
 */
export async function runIterationForTest(
  definition: AnyIteration,
  inputs: Record<string, unknown>,
  signal: AbortSignal,
  options: IterationTestOptions,
): Promise<IterationTestOutcome> {
  const { interruptAt, pauseAfterBatch } = options;
  if (interruptAt !== undefined && !(Number.isSafeInteger(interruptAt) && interruptAt >= 1))
    throw new Error("runScript: interruptAt must be an item number, 1 or more");
  if (pauseAfterBatch !== undefined && !(Number.isSafeInteger(pauseAfterBatch) && pauseAfterBatch >= 1))
    throw new Error("runScript: pauseAfterBatch must be a batch number, 1 or more");
  const run: IterationTestRun = { processed: [], checkpoints: [], interruptedAt: null, pausedAfter: null, total: null };
  const recorded = { ...definition, process: (item: unknown, context: RunContext<Values>) => (run.processed.push(item), definition.process(item, context)) };

  const { outcome, captured } = await captureReports(async (reporter) => {
    const context: RunContext<Values> = {
      inputs: inputs,
      log: (...args) => reporter.log(...args),
      counter: reporter.counter,
      progress: (value) => reporter.progress(value),
      fail,
      signal,
    };
    const io: IterationIO = {
      report: (batch) => {
        // As the ledger keeps it: JSON.
        run.checkpoints.push(JSON.parse(JSON.stringify({ seq: batch.seq, done: batch.done, cursor: batch.cursor })) as IterationResumption);
        return Promise.resolve({ pause: batch.seq === pauseAfterBatch });
      },
      progress: (value) => {
        run.total = value.total;
        reporter.progress(value);
      },
      log: (line) => reporter.log(line),
      sleep: () => Promise.resolve(),
      beforeItem: (n) => {
        if (n !== interruptAt || run.interruptedAt !== null) return;
        run.interruptedAt = n;
        throw new LostWorker(n);
      },
    };
    let resumption: IterationResumption | null = null;
    for (let processes = 1; processes <= MAX_PROCESSES; processes++) {
      let ended: IterationOutcome;
      try {
        ended = await runIterationBatches(recorded, context, io, resumption);
      } catch (error) {
        if (!(error instanceof LostWorker)) return { status: "failed" as const, result: null, error, failReason: messageOf(error) };
        resumption = run.checkpoints.at(-1) ?? resumption;
        continue;
      }
      if (ended.ended === "failed") return { status: "failed" as const, result: null, error: new Error(ended.failure ?? "failed"), failReason: ended.failure };
      if (ended.ended === "finished") return { status: "succeeded" as const, result: { processed: ended.checkpoint.done }, error: null, failReason: null };
      run.pausedAfter = ended.checkpoint.seq;
      if (options.resume === false) return { status: "paused" as const, result: null, error: null, failReason: null };
      resumption = ended.checkpoint;
    }
    throw new Error(`runScript: the iteration went on in ${MAX_PROCESSES} processes without ending`);
  });
  // The first reason given wins, as in a run: an item's own fail() before the engine's.
  return { ...captured, ...outcome, failReason: captured.failReason ?? outcome.failReason, iteration: run };
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
