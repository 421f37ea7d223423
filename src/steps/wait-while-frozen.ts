import type { Job } from "bullmq";
import type { RunJobData } from "../pipeline/job-data.js";
import { liveState, writeLiveState } from "../pipeline/live-state.js";
import { frozenReason, isFrozenReason, type Freezes } from "../stores/freezes.js";
import { waitingReason, waitTurn } from "./take-turn.js";

/** How often a frozen run looks again; an unfreeze through the API starts the runs it held at once (releaseFrozenRuns). */
export const FROZEN_RECHECK_MS = 5_000;

/**
 * Keeps a run from starting while a freeze covers its repository: like a run waiting for its
 * lock (takeTurn), it goes back to `delayed` without using an attempt, its live state saying
 * `frozen by <who> since <time>: <reason>`, and this function throws BullMQ's DelayedError.
 * A person's retry waits the same way.
 *
 * Every frozen run is due again at the same whole multiple of `recheckMs`, so BullMQ takes them
 * back in the order they went to `delayed`: the order they were queued in, which each round keeps.
 *
 * When nothing is frozen it costs one HMGET; after a freeze it also clears the waiting reason.
 */
export async function waitWhileFrozen(o: {
  freezes: Pick<Freezes, "frozenFor">;
  job: Job<RunJobData>;
  token: string | undefined;
  attempt: number;
  recheckMs?: number;
}): Promise<void> {
  const { job, attempt } = o;
  const freeze = await o.freezes.frozenFor(job.data.target);
  if (freeze === null) {
    if (isFrozenReason(waitingReason(job))) await writeLiveState(job, liveState(attempt));
    return;
  }
  const recheckMs = o.recheckMs ?? FROZEN_RECHECK_MS;
  await waitTurn(job, o.token, attempt, frozenReason(freeze), (Math.floor(Date.now() / recheckMs) + 1) * recheckMs);
}
