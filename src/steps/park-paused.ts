import type { Job } from "bullmq";
import type { ExecutionResult, RunDecision } from "../run-types.js";
import type { RunJobData } from "../pipeline/job-data.js";
import type { ParkedRuns } from "../stores/parked-runs.js";
import type { RunInputs } from "../stores/run-inputs.js";
import type { RunSegments } from "../stores/run-segments.js";
import { delayParked } from "./park-run.js";
import { parkInit } from "./park-init.js";
import { parkedSegment } from "./parked-segment.js";

export interface PausedParkDeps {
  runs: Pick<ParkedRuns, "park" | "clearPauseRequest">;
  segments: Pick<RunSegments, "add">;
  inputs?: Partial<Pick<RunInputs, "persist">> | undefined;
  recheckMs?: number;
}

/**
 * Parks an iteration a person asked to pause (kind `paused`, no deadline, step null) until a
 * person's Resume (or a cancel): what its process printed, if it ran, is kept for its final
 * log, its inputs stay, the request is answered (a later pause may be asked for), and its
 * execute job goes back to `delayed` as a wait's does, the same attempt. `execution` absent:
 * the pause came before the script started (it was queued, or waited for its lock or a
 * freeze), and nothing of it ran. Always throws DelayedError.
 */
export async function parkPaused(o: {
  deps: PausedParkDeps;
  job: Job<RunJobData>;
  token: string | undefined;
  attempt: number;
  /** Who asked for the run (ParkedRun.requestedBy). */
  requestedBy: string | null;
  /** The pause that was asked for: who, for the segment's words. */
  request: RunDecision | null;
  execution?: ExecutionResult;
  now?: number;
}): Promise<never> {
  const now = o.now ?? Date.now();
  const { target, runId } = o.job.data;
  const { execution } = o;
  if (execution) {
    const done = execution.report?.iteration?.checkpoint?.done ?? 0;
    const by = o.request ? ` by ${o.request.by}` : "";
    await o.deps.segments.add(runId, parkedSegment(execution, `paused${by} after ${done} ${done === 1 ? "item" : "items"}`));
  }
  const since = new Date(now).toISOString();
  const parked = await o.deps.runs.park(parkInit(o.job.data, { kind: "paused", since, attempt: o.attempt, requestedBy: o.requestedBy }));
  // Parked first: a request found again by the next look would pause it a second time.
  await o.deps.runs.clearPauseRequest(runId);
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
