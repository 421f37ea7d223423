import type { RunStatus } from "../run-types.js";
import type { ScheduleDescription } from "../sdk/protocol.js";

/**
 * The longest wait before a retry, however the exponential backoff grows: a schedule's retries
 * stay within its day (`attempts: 10, delay: "1h"` would otherwise wait 256 hours for the last).
 */
export const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;

/** The try that follows one that ended, and when: null when the occurrence is over. */
export interface NextTry {
  attempt: number;
  delayMs: number;
}

/**
 * Whether try `attempt` of an occurrence, ended with `status`, is followed by another. Only the
 * ends the chore's reviewed `retryOn` lists lead to one (`failed` by default; `timed_out` and
 * `lost` only when listed, since they may have done part of their work); `cancelled` (a person
 * stopped it) and `refused` (it may not run) never do. At most `retries.attempts` tries in all.
 */
export function nextTry(schedule: Pick<ScheduleDescription, "retries" | "retryOn">, ended: { attempt: number; status: RunStatus }): NextTry | null {
  const retryable: readonly RunStatus[] = schedule.retryOn;
  if (!retryable.includes(ended.status) || ended.status === "cancelled" || ended.status === "refused") return null;
  if (ended.attempt >= schedule.retries.attempts) return null;
  return { attempt: ended.attempt + 1, delayMs: retryDelayMs(schedule.retries, ended.attempt) };
}

/** The wait after try `attempt` failed: `fixed` always `delayMs`; `exponential` doubles it after each try, up to MAX_RETRY_DELAY_MS. */
export function retryDelayMs(retries: ScheduleDescription["retries"], attempt: number): number {
  const delay = Math.max(0, retries.delayMs);
  if (retries.backoff === "fixed") return Math.min(delay, MAX_RETRY_DELAY_MS);
  // 2^(attempt-1) computed in floating point: a large attempt gives Infinity, which the cap takes.
  return Math.min(delay * 2 ** Math.max(0, attempt - 1), MAX_RETRY_DELAY_MS);
}
