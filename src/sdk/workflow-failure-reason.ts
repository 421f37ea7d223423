import type { JudgedEntry } from "./workflow-outcome.js";
import { judgeWorkflow } from "./workflow-outcome.js";

/**
 * The run's failure reason after a walk back, from judgeWorkflow's verdict: which step
 * failed (or was vetoed, timed out, cancelled) and why, what was rolled back (in the order it was), and what was not undone.
 * E.g. "step charge failed: card declined; rolled back charge, reserve".
 */
export function workflowFailureReason(
  declared: readonly { name: string; rollback: boolean }[],
  entries: readonly (JudgedEntry & { error: string | null })[],
): string {
  const verdict = judgeWorkflow(declared, entries);
  // The failed step's last run: a step that waited has entries of earlier runs.
  const failed = entries.findLast((entry) => entry.direction === "run" && entry.step === verdict.failedStep);
  if (failed === undefined) return `the workflow ended ${verdict.outcome}`;
  const undone = entries.filter((entry) => entry.direction === "rollback" && entry.outcome === "succeeded").map((entry) => entry.step);
  const parts = [`step ${failed.step} ${failed.outcome.replace("_", " ")}${failed.error === null ? "" : `: ${failed.error}`}`];
  parts.push(undone.length === 0 ? "nothing rolled back" : `rolled back ${undone.join(", ")}`);
  const stopped = entries.find((entry) => entry.direction === "rollback" && entry.outcome !== "succeeded");
  if (stopped !== undefined) parts.push(`rollback of ${stopped.step} ${stopped.outcome}${stopped.error === null ? "" : `: ${stopped.error}`}`);
  const notUndone = verdict.steps.filter((step) => step.standing !== "undone" && step.standing !== "not_run");
  if (verdict.outcome === "rollback_failed" && notUndone.length > 0) {
    parts.push(`not undone: ${notUndone.map((step) => (step.rollback ? step.name : `${step.name} (no rollback)`)).join(", ")}`);
  }
  return parts.join("; ");
}
