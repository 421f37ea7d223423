import type { RunDecision } from "../run-types.js";
import { parkedWords } from "../pipeline/parked-words.js";
import type { ParkedRun } from "../stores/parked-runs.js";

/** A waiting run as `GET /api/runs/<id>` shows it. */
export interface WaitingView {
  /** The signal it waits for: `approval` for approvals at run time. */
  signal: string;
  /** The step that waits; null for approvals (nothing ran yet). */
  step: string | null;
  /** ISO 8601: when it times out (a wait rolls back, an approval cancels the run). */
  deadline: string | null;
  /** A pull request whose approving review continues it, or null. */
  pull_request: number | null;
  /** Who asked for the run (who cannot approve it); null for a merged script or a schedule. */
  requested_by: string | null;
  /** Approvals at run time: how many it needs, and who gave them when; null for a signal. */
  approvals: { count: number; given: { by: string; at: string }[] } | null;
}

/** An interrupted run as `GET /api/runs/<id>` shows it: the step its lost worker ran, and since when it waits for a person. */
export interface InterruptedView {
  step: string | null;
  since: string;
}

/** A parked record as the API shows it, with its waiting reason in words. */
export function parkedView(parked: ParkedRun): { waiting?: WaitingView; interrupted?: InterruptedView; reason: string } {
  if (parked.kind === "interrupted") {
    return { interrupted: { step: parked.step, since: parked.since }, reason: parkedWords(parked) };
  }
  const approval = parked.approval;
  const waiting: WaitingView = {
    signal: parked.signal ?? "",
    step: parked.step,
    deadline: parked.deadline,
    pull_request: parked.pullRequest,
    requested_by: parked.requestedBy,
    approvals: approval ? { count: approval.count, given: approval.approvals.map(({ by, at }) => ({ by, at })) } : null,
  };
  return { waiting, reason: parkedWords(parked) };
}

/** A run's view with what its parked record and decisions add: a parked run's status, waiting reason and `waiting` or `interrupted`. */
export function withParked<V extends { status: string; waiting_reason?: string | null }>(
  view: V,
  parked: ParkedRun | null,
  decisions: RunDecision[],
): V & { waiting?: WaitingView; interrupted?: InterruptedView; decisions?: RunDecision[] } {
  const out: V & { waiting?: WaitingView; interrupted?: InterruptedView; decisions?: RunDecision[] } = { ...view };
  if (decisions.length > 0) out.decisions = decisions;
  if (parked === null) return out;
  // Parked until a worker acts on its decision and clears the record: its jobs (delayed, or failed) say less than this.
  const shown = parkedView(parked);
  out.status = parked.kind;
  if (shown.waiting) {
    out.waiting = shown.waiting;
    out.waiting_reason = shown.reason;
  }
  if (shown.interrupted) out.interrupted = shown.interrupted;
  return out;
}
