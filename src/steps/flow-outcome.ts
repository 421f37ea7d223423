import { Job, type Queue } from "bullmq";
import type { ExecutionLedger } from "../stores/execution-ledger.js";
import { fullOutcomeOf, processResultOf } from "../pipeline/format-1.js";
import { executeJobId, processJobId } from "../pipeline/run-id.js";
import type { CleanupJobData, ExecuteResult, ExecuteSummary, ProcessResult } from "../pipeline/job-data.js";
import { failedAttemptExecution } from "./lost-execution.js";
import type { RunOutcomes } from "../stores/run-outcomes.js";
import { parkInterrupted, type InterruptedParkDeps } from "./park-interrupted.js";

/**
 * What the attempt a cleanup job records came to. A retry's cleanup names its attempt; the
 * merge's own cleanup learns it from its `execute` child's summary or, when execute failed
 * (its worker died and BullMQ's stalled check failed it, which lets the parent continue),
 * builds a `lost` record from the ledger and the `process` result, so the run is still recorded
 * (`interrupted` for a workflow lost mid-way, which is then parked when `parked` is given).
 * A run an older release executed (format 1) hands its whole outcome over instead: kept in
 * RunOutcomes from then on, like this release's.
 */
export function outcomeReader(queues: { process: Queue; execute: Queue }, ledger: ExecutionLedger, outcomes: RunOutcomes, parked?: InterruptedParkDeps) {
  return async (job: Job<CleanupJobData>): Promise<ExecuteResult> => {
    const { runId, attempt: named, outcome: carried } = job.data;
    const child = named === undefined && carried === undefined ? Object.values(await job.getChildrenValues<unknown>())[0] : undefined;
    // Format 1: a retry's cleanup carried the outcome, the merge's got it from execute.
    const handed = fullOutcomeOf(carried ?? child);
    if (handed) {
      await outcomes.save(runId, handed);
      return handed;
    }
    const attempt = named ?? (child as ExecuteSummary | undefined)?.attempt;
    if (attempt !== undefined) {
      const outcome = await outcomes.load(runId, attempt);
      if (!outcome) throw new Error(`the outcome of attempt ${attempt} of ${runId} is missing from Redis`);
      return { ...outcome, process: processResultOf(outcome.process) };
    }
    const failures = Object.values(await job.getIgnoredChildrenFailures());
    if (failures.length === 0) throw new Error(`cleanup ${job.id} has neither a result nor a failure from execute`);
    const lost = await lostOutcome(queues, ledger, runId, String(failures[0]));
    // A script can finish while Redis refuses writes: its worker kept the outcome and stored it
    // once it could, after the job itself had failed. That outcome is the truth, not `lost`.
    const stored = await outcomes.load(runId, lost.attempt);
    if (stored) return { ...stored, process: processResultOf(stored.process) };
    // A workflow lost mid-way waits for a person's Resume or Roll back, parked before its record says so.
    if (parked) await parkInterrupted(parked, job.data, lost);
    await outcomes.save(runId, lost);
    return lost;
  };
}

/** The record of an execute job that failed: `lost` if the ledger says that attempt started the script. */
export async function lostOutcome(queues: { process: Queue; execute: Queue }, ledger: ExecutionLedger, runId: string, reason: string): Promise<ExecuteResult> {
  const [executeJob, processJob, entry] = await Promise.all([
    Job.fromId(queues.execute, executeJobId(runId)),
    Job.fromId<unknown, ProcessResult>(queues.process, processJobId(runId)),
    ledger.read(runId),
  ]);
  // The execute job holds its child's result itself, which outlives a cleaned process job.
  const found = Object.values((await executeJob?.getChildrenValues<ProcessResult>()) ?? {})[0] ?? processJob?.returnvalue;
  if (!found) throw new Error(`process result of ${runId} is missing`);
  const processed = processResultOf(found);
  // The job has failed, so BullMQ counted its attempt.
  const attempt = Math.max(1, executeJob?.attemptsMade ?? 1);
  return {
    process: processed,
    execution: failedAttemptExecution({
      entry,
      attempt,
      reason,
      ...(processed.description?.workflow ? { declared: processed.description.workflow.steps } : {}),
      ...(processed.description?.iteration ? { iteration: true } : {}),
      processedOn: new Date(executeJob?.processedOn ?? Date.now()),
      finishedOn: new Date(executeJob?.finishedOn ?? Date.now()),
    }),
    runner: entry.host ?? "unknown",
    attempt,
  };
}
