import { Job, type Queue } from "bullmq";
import type { RunJobData } from "../pipeline/job-data.js";
import { cleanupJobId, executeJobId, processJobId, scheduledRunId } from "../pipeline/run-id.js";
import type { ParkedRuns } from "../stores/parked-runs.js";

// States in which a job still has work to do.
const BUSY = new Set(["active", "waiting", "wait", "delayed", "prioritized", "paused", "waiting-children"]);

/** What holds a schedule's turn: the occurrence whose first run id holds it, and whether any try of it still goes. */
export interface TurnHolder {
  /** The holder's occurrence (ms since the epoch); null when its run is gone from Redis. */
  occurrenceMs: number | null;
  live: boolean;
  /** A try of it is parked `interrupted` (its worker was lost, or an iteration failed): it waits for a person's Resume or Roll back. */
  interrupted: boolean;
}

/**
 * Whether the occurrence whose first run is `holder` still runs: a try of it (the first, or a
 * retry queued by its cleanup) has a process, execute or cleanup job still to do, or is parked
 * `interrupted`: it is not over until a person resumes, rolls back or cancels it, and the
 * next occurrence starting meanwhile would overlap it. A holder whose runs all ended or are
 * gone is stale (a cleanup lost before it freed the turn): the next occurrence takes the turn
 * over, so one lost record never stops a schedule for good.
 */
export async function turnHolder(
  queues: Record<"process" | "execute" | "cleanup", Queue>,
  parked: Pick<ParkedRuns, "read">,
  holder: string,
): Promise<TurnHolder> {
  const first = await Job.fromId<RunJobData>(queues.process, processJobId(holder));
  const scheduled = first?.data.target.chore?.request.schedule;
  if (!scheduled) return { occurrenceMs: null, live: false, interrupted: false };
  const { schedulerId, occurrenceMs } = scheduled;
  for (let attempt = 1; attempt <= scheduled.schedule.retries.attempts; attempt++) {
    const runId = scheduledRunId(schedulerId, occurrenceMs, attempt);
    if ((await parked.read(runId))?.kind === "interrupted") return { occurrenceMs, live: true, interrupted: true };
    const jobs = await Promise.all([
      Job.fromId(queues.process, processJobId(runId)),
      Job.fromId(queues.execute, executeJobId(runId)),
      Job.fromId(queues.cleanup, cleanupJobId(runId, 1)),
    ]);
    for (const job of jobs) if (job && BUSY.has(await job.getState())) return { occurrenceMs, live: true, interrupted: false };
  }
  return { occurrenceMs, live: false, interrupted: false };
}
