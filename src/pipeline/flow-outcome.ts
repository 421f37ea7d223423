import { Job, type Queue } from "bullmq";
import type { ExecutionLedger } from "./execution-ledger.js";
import type { CleanupJobData, ExecuteResult, ProcessResult } from "./job-data.js";
import { failedAttemptExecution } from "./lost-execution.js";

/**
 * What the first attempt of a run came to, read by the flow's cleanup job from its
 * `execute` child: its result, or — when execute failed (its worker died and BullMQ's
 * stalled check failed it, which lets the parent continue) — a `lost` record built from
 * the ledger and the `process` result, so the run is still recorded.
 */
export function flowOutcomeReader(queues: { process: Queue; execute: Queue }, ledger: ExecutionLedger) {
  return async (job: Job<CleanupJobData>): Promise<ExecuteResult> => {
    const values = Object.values(await job.getChildrenValues<ExecuteResult>());
    if (values.length === 1) return values[0]!;

    const failures = Object.values(await job.getIgnoredChildrenFailures());
    if (failures.length === 0) throw new Error(`cleanup ${job.id} has neither a result nor a failure from execute`);
    return lostOutcome(queues, ledger, job.data.runId, String(failures[0]));
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
  const processed = processJob?.returnvalue;
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
