import type { WorkflowReport } from "../run-types.js";
import { judgeWorkflow, type JudgedEntry, type WorkflowVerdict } from "../sdk/workflow-outcome.js";

/** A workflow's verdict (judgeWorkflow's, never decided again here), with what its walk back undid and what it left in place. */
export interface WorkflowSummary extends WorkflowVerdict {
  /** Steps whose rollback succeeded, in the order they were undone. */
  undone: string[];
  /** Steps that ran and whose work may still be there (done, partly done, or their rollback failed), in declared order. */
  notUndone: string[];
}

/** The summary of a workflow record: a finished run's, or the steps a ledger held when its run was lost. */
export function workflowSummary(report: { declared: WorkflowReport["declared"]; entries: readonly JudgedEntry[] }): WorkflowSummary {
  const verdict = judgeWorkflow(report.declared, report.entries);
  const standing = new Map(verdict.steps.map((step) => [step.name, step.standing]));
  const undone = [
    ...new Set(report.entries.filter((entry) => entry.direction === "rollback" && standing.get(entry.step) === "undone").map((entry) => entry.step)),
  ];
  const notUndone = verdict.steps.filter((step) => step.standing !== "undone" && step.standing !== "not_run").map((step) => step.name);
  return { ...verdict, undone, notUndone };
}
