import type { RunStatus } from "../run-types.js";

/**
 * A schedule's own run logs per UTC day, at most: the rest goes to the digest. With one digest
 * a day, a month's folder holds at most 31 × (1 + 10) = 341 files, under the 1,000 GitHub lists.
 */
export const OWN_LOGS_PER_DAY = 10;

/** How the last try of an occurrence (or a success) ended, and whether the schedule was failing before it. */
export interface OccurrenceEnd {
  status: RunStatus;
  wasFailing: boolean;
}

/** Why a try gets a log of its own, committed at once. */
export type StreakEdge = "first-failure" | "recovery";

/** Where a try's record goes: its own log at once (with the day's digest so far, for a first failure), or the digest. */
export type RecordPlan = { kind: "commit"; edge: StreakEdge; withDigest: boolean } | { kind: "digest"; note: string | null };

/** Anything but a success fails: a schedule whose runs time out, are lost or refused is failing too. */
export function isFailure(status: RunStatus): boolean {
  return status !== "succeeded";
}

/** Whether this end starts a failure streak or ends one; null for anything in between. */
export function streakEdge(end: OccurrenceEnd): StreakEdge | null {
  if (isFailure(end.status)) return end.wasFailing ? null : "first-failure";
  return end.wasFailing ? "recovery" : null;
}

/**
 * Commit now or gather in the digest: the start and the end of a failure streak are committed
 * at once, each as its own log, as long as the day's own logs (`ownLogAllowed`, claimed only
 * for an edge) are not used up; everything else (successes, failures inside a streak) waits
 * for the digest. A flapping chore thus adds at most OWN_LOGS_PER_DAY logs a day, not one per minute.
 */
export function recordPlan(end: OccurrenceEnd, ownLogAllowed: boolean): RecordPlan {
  const edge = streakEdge(end);
  if (edge === null) return { kind: "digest", note: isFailure(end.status) && end.wasFailing ? "still failing" : null };
  if (!ownLogAllowed)
    return { kind: "digest", note: `${edgeWords(edge)}; not committed on its own: the schedule had ${OWN_LOGS_PER_DAY} logs of its own today` };
  return { kind: "commit", edge, withDigest: edge === "first-failure" };
}

function edgeWords(edge: StreakEdge): string {
  return edge === "first-failure" ? "first failure" : "recovered";
}
