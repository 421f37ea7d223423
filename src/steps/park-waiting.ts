import type { Job } from "bullmq";
import type { ExecutionResult, RunDecision } from "../run-types.js";
import { APPROVAL_SIGNAL, type ApprovalDescription } from "../sdk/protocol.js";
import type { RunJobData } from "../pipeline/job-data.js";
import type { ParkedRuns, ParkInit } from "../stores/parked-runs.js";
import type { RunInputs } from "../stores/run-inputs.js";
import type { RunSegments } from "../stores/run-segments.js";
import { StepError } from "./step-error.js";
import { delayParked } from "./park-run.js";
import { parkInit } from "./park-init.js";
import { parkedSegment } from "./parked-segment.js";

export interface ParkDeps {
  runs: Pick<ParkedRuns, "park">;
  segments: Pick<RunSegments, "add">;
  inputs?: Partial<Pick<RunInputs, "persist">> | undefined;
  recheckMs?: number;
}

interface ParkContext {
  deps: ParkDeps;
  job: Job<RunJobData>;
  token: string | undefined;
  attempt: number;
  /** Who asked for the run: they cannot approve it. */
  requestedBy: string | null;
}

/** How many different people approved the run so far. */
export function approvalsGiven(decisions: readonly RunDecision[]): number {
  return new Set(decisions.filter((decision) => decision.kind === "approve").map((decision) => decision.by.toLowerCase())).size;
}

/** Parks a run that asks for approvals before anything of it runs, until `approval.timeoutMs` from now. Always throws DelayedError. */
export async function parkForApproval(o: ParkContext & { approval: ApprovalDescription; now?: number }): Promise<never> {
  const now = o.now ?? Date.now();
  return park(o, now, { signal: APPROVAL_SIGNAL, step: null, deadline: now + o.approval.timeoutMs, pullRequest: null, approval: { count: o.approval.count } });
}

/**
 * Parks a workflow whose process ended at a `waitFor` (status `waiting`): what it printed is
 * kept for its final log, its inputs stay, and it waits for its signal until the wait's
 * timeout (then it rolls back: see pickUp). Always throws DelayedError.
 */
export async function parkWaiting(o: ParkContext & { execution: ExecutionResult; now?: number }): Promise<never> {
  const now = o.now ?? Date.now();
  const entry = o.execution.report?.workflow?.entries.at(-1);
  if (!entry?.wait) throw new StepError("the workflow's process ended waiting, but its record does not say for what; nothing more was run");
  const parked = { signal: entry.wait.signal, step: entry.step, deadline: now + entry.wait.timeoutMs, pullRequest: entry.wait.pullRequest, approval: null };
  await o.deps.segments.add(o.job.data.runId, parkedSegment(o.execution, `step ${entry.step} waits for the signal ${JSON.stringify(entry.wait.signal)}`));
  return park(o, now, parked);
}

async function park(o: ParkContext, now: number, at: Pick<ParkInit, "signal" | "step" | "pullRequest" | "approval"> & { deadline: number }): Promise<never> {
  const { target, runId } = o.job.data;
  const since = new Date(now).toISOString();
  const init = parkInit(
    o.job.data,
    { kind: "waiting", since, attempt: o.attempt, requestedBy: o.requestedBy },
    { ...at, deadline: new Date(at.deadline).toISOString() },
  );
  const parked = await o.deps.runs.park(init);
  // It may go on days from now: what it was given must still be there.
  if (target.chore) await o.deps.inputs?.persist?.(runId);
  return delayParked({
    job: o.job,
    token: o.token,
    attempt: o.attempt,
    parked,
    now,
    ...(o.deps.recheckMs === undefined ? {} : { recheckMs: o.deps.recheckMs }),
  });
}
