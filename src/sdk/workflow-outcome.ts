import type { StepDirection, StepOutcome } from "./protocol.js";

/** Where a step stands at the end of a run. */
export type StepStanding =
  /** It ran and its work stays: the workflow succeeded, or the step has no rollback, or the walk back stopped before it. */
  | "done"
  /** Its rollback succeeded. */
  | "undone"
  /** It failed, timed out or was cancelled partway, and was not undone: it may have done part of its work. */
  | "partly_done"
  /** Its rollback failed, timed out or was stopped: it may be partly undone. */
  | "rollback_failed"
  /** It never started (a later step than the one that failed, or vetoed). */
  | "not_run"
  /** It waits for a signal (the workflow's last entry): once it comes, it runs again from its start. */
  | "waiting";

/** How a workflow's run ended, from its entries alone. */
export type WorkflowOutcome =
  | "succeeded"
  /** A step failed and every step that ran with a rollback was undone. */
  | "rolled_back"
  /** A step failed and the walk back stopped: a rollback failed, or the run ended during the walk. */
  | "rollback_failed"
  /** The entries end before the workflow did (the process died or was killed during a step). */
  | "incomplete"
  /** Its last entry is a step waiting for a signal: the workflow goes on once it comes, or rolls back. */
  | "waiting";

export interface WorkflowVerdict {
  outcome: WorkflowOutcome;
  /** The step whose failure (or veto) started the walk back; null when none failed. */
  failedStep: string | null;
  /** Each declared step, in order, with where it stands. */
  steps: { name: string; rollback: boolean; standing: StepStanding }[];
}

export interface JudgedEntry {
  step: string;
  direction: StepDirection;
  outcome: StepOutcome;
}

/**
 * Decides, in one place for the runner, the run log and the test helpers, how a workflow
 * ended and where each step stands, from its declared steps and the entries it reported in
 * order, over every process of the run (a step that waited has a `waiting` entry, then the
 * entries of its run again: the later one counts). The walk back is complete when every step
 * that ran and has a rollback (the failed one first, unless it was vetoed and never ran) has
 * an entry of a succeeded rollback. A walk back without a failed entry (a wait that timed out,
 * a Roll back after a lost step) started at the first step that did not succeed.
 */
export function judgeWorkflow(declared: readonly { name: string; rollback: boolean }[], entries: readonly JudgedEntry[]): WorkflowVerdict {
  const ran = new Map<string, StepOutcome>();
  const rolledBack = new Map<string, StepOutcome>();
  for (const entry of entries) (entry.direction === "run" ? ran : rolledBack).set(entry.step, entry.outcome);
  const last = entries.at(-1);
  const waitingNow = last !== undefined && last.direction === "run" && last.outcome === "waiting" ? last.step : null;
  const failed = entries.find((entry) => entry.direction === "run" && entry.outcome !== "succeeded" && entry.outcome !== "waiting") ?? null;
  const walked = entries.some((entry) => entry.direction === "rollback");

  const steps = declared.map(({ name, rollback }) => ({ name, rollback, standing: standingOf(ran.get(name), rolledBack.get(name), name === waitingNow) }));
  const failedStep = failed?.step ?? (walked ? (declared.find(({ name }) => ran.get(name) !== "succeeded")?.name ?? null) : null);
  if (waitingNow !== null) return { outcome: "waiting", failedStep: null, steps };
  if (failedStep === null) {
    const outcome = declared.every(({ name }) => ran.get(name) === "succeeded") ? "succeeded" : "incomplete";
    return { outcome, failedStep, steps };
  }
  const walkStopped = [...rolledBack.values()].some((outcome) => outcome !== "succeeded");
  const owed = steps.some((step) => step.rollback && (step.standing === "done" || step.standing === "partly_done"));
  return { outcome: walkStopped || owed ? "rollback_failed" : "rolled_back", failedStep, steps };
}

function standingOf(ran: StepOutcome | undefined, rolledBack: StepOutcome | undefined, waitingNow: boolean): StepStanding {
  // A lost step has no entry of its run, but may have one of its rollback.
  if (rolledBack === "succeeded") return "undone";
  if (rolledBack !== undefined) return "rollback_failed";
  if (ran === undefined || ran === "vetoed") return "not_run";
  if (waitingNow) return "waiting";
  // A step that waited and then rolled back (its wait timed out) may have done what came before its waitFor.
  return ran === "succeeded" ? "done" : "partly_done";
}
