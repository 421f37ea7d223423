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
  /** Null for an iteration (and for a workflow lost before its first step). */
  step: string | null;
  since: string;
  /** An iteration whose attempt failed (an item threw, it timed out): how; null when its worker was lost. */
  failure?: string | null;
}

/** A paused iteration: since when, and who asked it to pause (the last `pause` decision; null when none is recorded). */
export interface PausedView {
  since: string;
  by: string | null;
}

/** A pause asked of a running iteration, not taken yet (it stops after its current batch). */
export interface PauseRequestedView {
  by: string;
  at: string;
}

/** A parked record as the API shows it, with its waiting reason in words. */
export function parkedView(
  parked: ParkedRun,
  decisions: readonly RunDecision[] = [],
): { waiting?: WaitingView; interrupted?: InterruptedView; paused?: PausedView; reason: string } {
  if (parked.kind === "interrupted") {
    const interrupted: InterruptedView = { step: parked.step, since: parked.since };
    if (parked.step === null) interrupted.failure = parked.failure ?? null;
    return { interrupted, reason: parkedWords(parked) };
  }
  if (parked.kind === "paused") {
    const asked = decisions.findLast((d) => d.kind === "pause");
    return { paused: { since: parked.since, by: asked?.by ?? null }, reason: parkedWords(parked) };
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

type ParkedFields = {
  waiting?: WaitingView;
  interrupted?: InterruptedView;
  paused?: PausedView;
  pause_requested?: PauseRequestedView;
  decisions?: RunDecision[];
};

/**
 * A run's view with what its parked record and decisions add: a parked run's status, waiting
 * reason and `waiting`, `interrupted` or `paused`; a running one's pause request not yet taken.
 */
export function withParked<V extends { status: string; waiting_reason?: string | null }>(
  view: V,
  parked: ParkedRun | null,
  decisions: RunDecision[],
  pauseRequest: RunDecision | null = null,
): V & ParkedFields {
  const out: V & ParkedFields = { ...view };
  if (decisions.length > 0) out.decisions = decisions;
  if (parked === null) {
    // Asked and not answered yet: it shows until the run stops after its batch (or finishes first).
    if (pauseRequest !== null && (view.status === "running" || view.status === "waiting" || view.status === "queued")) {
      out.pause_requested = { by: pauseRequest.by, at: pauseRequest.at };
    }
    return out;
  }
  // Parked until a worker acts on its decision and clears the record: its jobs (delayed, or failed) say less than this.
  const shown = parkedView(parked, decisions);
  out.status = parked.kind;
  if (shown.waiting) {
    out.waiting = shown.waiting;
    out.waiting_reason = shown.reason;
  }
  if (shown.interrupted) out.interrupted = shown.interrupted;
  if (shown.paused) {
    out.paused = shown.paused;
    out.waiting_reason = shown.reason;
  }
  return out;
}
