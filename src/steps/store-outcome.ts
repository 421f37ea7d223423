import type { ExecutionLedger } from "../stores/execution-ledger.js";
import type { RunJobData } from "../pipeline/job-data.js";
import type { SpooledOutcome } from "../stores/result-spool.js";
import type { RunOutcomes } from "../stores/run-outcomes.js";

/**
 * Records an attempt's outcome: the ledger's result (a finished run never runs again), the
 * outcome itself, and for a person's retry its cleanup job. Every write is idempotent, so a
 * store retried after a partial failure (Redis full mid-way) ends in the same state.
 */
export function outcomeStore(o: {
  ledger: Pick<ExecutionLedger, "finish">;
  outcomes: Pick<RunOutcomes, "save">;
  recordRetry(data: RunJobData, attempt: number): Promise<void>;
}) {
  return async ({ data, outcome, finished }: SpooledOutcome): Promise<void> => {
    if (finished) await o.ledger.finish(data.runId, outcome.attempt, outcome.execution);
    await o.outcomes.save(data.runId, outcome);
    if (outcome.attempt > 1) await o.recordRetry(data, outcome.attempt);
  };
}
