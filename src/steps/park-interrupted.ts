import type { RunJobData, ExecuteResult } from "../pipeline/job-data.js";
import type { ParkedRuns } from "../stores/parked-runs.js";
import type { RunInputs } from "../stores/run-inputs.js";
import { lostAt } from "./lost-execution.js";
import { iterationStop } from "./iteration-stop.js";
import { parkInit } from "./park-init.js";

export interface InterruptedParkDeps {
  runs: Pick<ParkedRuns, "park" | "read" | "clear">;
  inputs?: Partial<Pick<RunInputs, "persist">>;
}

/**
 * Parks a workflow recorded `interrupted` (its worker was lost mid-way, see failedAttemptExecution)
 * until a person decides: Resume or Roll back; likewise an iteration that had started and was
 * lost (`interrupted`), failed or timed out (`step` null, `failure` its message), until a
 * person's Resume goes on from its last checkpoint. Idempotent for its attempt: a record already
 * parked by it (perhaps decided on since) is left as it is. Anything else is not parked, and a
 * wait it left is cleared. Says whether the run is parked interrupted by this attempt.
 */
export async function parkInterrupted(deps: InterruptedParkDeps, data: RunJobData, outcome: ExecuteResult): Promise<boolean> {
  const { runId, target } = data;
  const iteration = outcome.process.description?.iteration ? iterationStop(outcome.execution) : null;
  if (outcome.execution.status !== "interrupted" && iteration === null) {
    // Lost while it waited for its approvals (its worker died as it looked at its record): nothing ran, the run
    // is recorded as not started and may be retried (asking again); the request must not outlive it.
    if ((await deps.runs.read(runId))?.kind === "waiting") await deps.runs.clear(runId);
    return false;
  }
  const steps = outcome.process.description?.workflow?.steps;
  const at = iteration ? { step: null } : lostAt(steps, outcome.execution.report?.workflow ?? null);
  if (!at) return false;
  const already = await deps.runs.read(runId);
  if (already?.kind === "interrupted" && already.attempt === outcome.attempt) return true;
  const requestedBy =
    target.chore && !target.chore.request.schedule ? target.chore.request.requestedBy : (outcome.process.provenance.pullRequest?.author ?? null);
  const since = outcome.execution.finishedAt;
  await deps.runs.park(
    parkInit(
      data,
      { kind: "interrupted", since, attempt: outcome.attempt, requestedBy },
      { step: at.step, ...(iteration?.failure ? { failure: iteration.failure } : {}) },
    ),
  );
  if (target.chore) await deps.inputs?.persist?.(runId);
  return true;
}
