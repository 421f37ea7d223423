import type { WorkflowReport } from "../run-types.js";
import { judgeWorkflow } from "../sdk/workflow-outcome.js";

/** Where a lost workflow stopped: the step that was running (or whose rollback was), and whether it was walking back. */
export interface InterruptedAt {
  step: string;
  walkingBack: boolean;
}

/**
 * The step a workflow's worker was lost in, from its record so far (null: none yet), or null
 * when its record is finished (it succeeded, rolled back, or its walk back stopped on a failed
 * rollback): then nothing is owed and the attempt is simply lost. A wait is no failure: its
 * entry is left out. Running forward, it is the first declared step without a succeeded run;
 * walking back (a step failed and rollbacks are owed, none failed), it is the last step that
 * ran whose rollback is still owed.
 */
export function interruptedStep(declared: readonly { name: string; rollback: boolean }[], report: WorkflowReport | null): InterruptedAt | null {
  if (declared.length === 0) return null;
  const entries = (report?.entries ?? []).filter((entry) => entry.outcome !== "waiting");
  const verdict = judgeWorkflow(declared, entries);
  if (verdict.outcome === "incomplete") {
    const ran = new Set(entries.filter((entry) => entry.direction === "run" && entry.outcome === "succeeded").map((entry) => entry.step));
    return { step: declared.find((step) => !ran.has(step.name))!.name, walkingBack: false };
  }
  if (verdict.outcome !== "rollback_failed") return null;
  // A rollback that ended badly is a finished walk back (rollback_failed), not an interrupted one.
  if (entries.some((entry) => entry.direction === "rollback" && entry.outcome !== "succeeded")) return null;
  const owed = verdict.steps.filter((step) => step.rollback && (step.standing === "done" || step.standing === "partly_done"));
  return owed.length === 0 ? null : { step: owed[owed.length - 1]!.name, walkingBack: true };
}
