import { Job, type Queue } from "bullmq";
import type { ExecutionLedger } from "./execution-ledger.js";
import type { CleanupJobData, ExecuteResult, ExecuteSummary, ProcessResult } from "./job-data.js";
import { failedAttemptExecution } from "./lost-execution.js";
import type { RunOutcomes } from "./run-outcomes.js";

/**
 * What the attempt a cleanup job records came to. A retry's cleanup names its attempt; the
 * merge's own cleanup learns it from its `execute` child's summary or, when execute failed
 * (its worker died and BullMQ's stalled check failed it, which lets the parent continue),
 * builds a `lost` record from the ledger and the `process` result, so the run is still recorded.
 */
export function outcomeReader(queues: { process: Queue; execute: Queue }, ledger: ExecutionLedger, outcomes: RunOutcomes) {
  return async (job: Job<CleanupJobData>): Promise<ExecuteResult> => {
    const { runId } = job.data;
    const attempt = job.data.attempt ?? Object.values(await job.getChildrenValues<ExecuteSummary>())[0]?.attempt;
    if (attempt !== undefined) {
      const outcome = await outcomes.load(runId, attempt);
      if (!outcome) throw new Error(`the outcome of attempt ${attempt} of ${runId} is missing from Redis`);
      return outcome;
    }
    const failures = Object.values(await job.getIgnoredChildrenFailures());
    if (failures.length === 0) throw new Error(`cleanup ${job.id} has neither a result nor a failure from execute`);
    const lost = await lostOutcome(queues, ledger, runId, String(failures[0]));
    await outcomes.save(runId, lost);
    return lost;
  };
}

/** The record of an execute job that failed: `lost` if the ledger says that attempt started the script. */
export async function lostOutcome(
  queues: { process: Queue; execute: Queue },
  ledger: ExecutionLedger,
  runId: string,
  reason: string,
): Promise<ExecuteResult> {
  const [executeJob, processJob, entry] = await Promise.all([
    Job.fromId(queues.execute, runId),
    Job.fromId<unknown, ProcessResult>(queues.process, runId),
    ledger.read(runId),
  ]);
  // The execute job holds its child's result itself, which outlives a cleaned process job.
  const processed = Object.values((await executeJob?.getChildrenValues<ProcessResult>()) ?? {})[0] ?? processJob?.returnvalue;
  if (!processed) throw new Error(`process result of ${runId} is missing`);
  // The job has failed, so BullMQ counted its attempt.
  const attempt = Math.max(1, executeJob?.attemptsMade ?? 1);
  return {
    process: processed,
    execution: failedAttemptExecution({
      entry,
      attempt,
      reason,
      processedOn: new Date(executeJob?.processedOn ?? Date.now()),
      finishedOn: new Date(executeJob?.finishedOn ?? Date.now()),
    }),
    runner: entry.host ?? "unknown",
    attempt,
  };
}
