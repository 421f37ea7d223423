import type { Job } from "bullmq";
import type { RunJobData } from "../pipeline/job-data.js";
import type { ParkedRun } from "../stores/parked-runs.js";
import { parkedWords } from "../pipeline/parked-words.js";
import { waitTurn } from "./take-turn.js";

/** How often a parked waiting run looks at its record again: a decision wakes it at once (decideRun), this is the safety net. */
export const PARK_RECHECK_MS = 60_000;

/**
 * Keeps a parked waiting run waiting: its live state says what for (the dashboard, /api/runs
 * and the run page show it), and its execute job goes back to `delayed` until its deadline or
 * the next look, whichever is first, without using an attempt. Always throws BullMQ's DelayedError.
 */
export async function delayParked(o: {
  job: Job<RunJobData>;
  token: string | undefined;
  attempt: number;
  parked: ParkedRun;
  now: number;
  recheckMs?: number;
}): Promise<never> {
  const { parked, now } = o;
  const deadline = parked.deadline === null ? Number.POSITIVE_INFINITY : Date.parse(parked.deadline);
  const until = Math.max(now + 1, Math.min(deadline, now + (o.recheckMs ?? PARK_RECHECK_MS)));
  return waitTurn(o.job, o.token, o.attempt, parkedWords(parked), until);
}
