import type { RunContext } from "./define-script.js";
import { runIterationBatches, type IterationIO } from "./iteration-engine.js";
import { IterationPaused } from "./iteration-paused.js";
import type { IterationDefinition } from "./iteration-types.js";
import type { IterationResumption } from "./protocol.js";
import { getReporter, isScriptFailure } from "./reporter.js";

/** What an iteration's run returns (its result): the items processed in the run, the processes before this one included. */
export interface IterationResult {
  processed: number;
}

/**
 * An iteration's run in a chorebot process: from the start, or from `resumption` (already
 * checked, see readIterationResumption). Each batch is reported on the channel and waited for.
 * Resolves with what it processed; fails the run with the engine's reason; throws
 * IterationPaused once a batch's ack asked it to pause.
 */
export async function runIteration<T, C, V>(
  definition: IterationDefinition<T, C, V>,
  context: RunContext<V>,
  resumption: IterationResumption | null,
): Promise<IterationResult> {
  const reporter = getReporter();
  const io: IterationIO = {
    report: (batch) => reporter.sendBatchReport(batch),
    progress: (value) => reporter.progress(value),
    log: (line) => context.log(line),
    thrown: (error) => {
      if (error instanceof Error && !isScriptFailure(error)) process.stderr.write(`${error.stack ?? error.message}\n`);
    },
  };
  const outcome = await runIterationBatches(definition, context, io, resumption);
  if (outcome.ended === "paused") throw new IterationPaused(outcome.checkpoint.seq, outcome.checkpoint.done);
  if (outcome.ended === "failed") context.fail(outcome.failure ?? "the iteration failed");
  return { processed: outcome.checkpoint.done };
}
