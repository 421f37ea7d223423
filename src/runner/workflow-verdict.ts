import type { RunStatus, WorkflowReport } from "../run-types.js";
import type { StepOutcome } from "../sdk/protocol.js";
import { judgeWorkflow, type WorkflowVerdict } from "../sdk/workflow-outcome.js";

const MAX_MESSAGE_CHARS = 500;
const WORDS: Record<StepOutcome, string> = {
  succeeded: "succeeded",
  failed: "failed",
  timed_out: "timed out",
  vetoed: "was vetoed",
  cancelled: "was stopped",
  waiting: "is waiting",
};

/**
 * A workflow run's status and one-line message, from its record and what its process did
 * (`process`: today's judgement of a script's run). judgeWorkflow decides: `rolled_back` and
 * `rollback_failed` are the run's status whatever the exit code, the message naming the step
 * that failed and why, what was undone and what was not; a run that timed out or was
 * cancelled says so first. `succeeded` and `incomplete` (the process ended during a step)
 * keep the process's own judgement, except an incomplete one whose process exited cleanly,
 * which is `failed` (see endedEarly).
 */
export function workflowVerdict(
  workflow: WorkflowReport,
  process: { status: RunStatus; message: string | null },
): { status: RunStatus; message: string | null } {
  const verdict = judgeWorkflow(workflow.declared, workflow.entries);
  if (verdict.outcome === "incomplete" && process.status === "succeeded") return endedEarly(verdict.steps);
  if (verdict.outcome === "succeeded" || verdict.outcome === "incomplete") return process;
  const { entries } = workflow;
  const failed = entries.find((entry) => entry.direction === "run" && entry.outcome !== "succeeded")!;
  const stoppedRollback = entries.find((entry) => entry.direction === "rollback" && entry.outcome !== "succeeded");
  const undone = entries.filter((entry) => entry.direction === "rollback" && entry.outcome === "succeeded").map((entry) => entry.step);
  const notUndone = verdict.steps.filter((step) => step.rollback && step.standing !== "undone" && step.standing !== "not_run").map((step) => step.name);
  const kept = verdict.steps.filter((step) => !step.rollback && (step.standing === "done" || step.standing === "partly_done")).map((step) => step.name);

  const parts: string[] = [];
  // How the run was stopped (its timeout, or who cancelled it), when it was.
  if ((process.status === "timed_out" || process.status === "cancelled") && process.message !== null) parts.push(process.message);
  parts.push(`step ${failed.step} ${WORDS[failed.outcome]}${failed.error ? `: ${failed.error}` : ""}`);
  parts.push(undone.length > 0 ? `rolled back ${undone.join(", ")}` : "nothing was rolled back");
  if (verdict.outcome === "rollback_failed") {
    if (stoppedRollback !== undefined) {
      parts.push(`the rollback of ${stoppedRollback.step} ${WORDS[stoppedRollback.outcome]}${stoppedRollback.error ? `: ${stoppedRollback.error}` : ""}`);
    } else {
      parts.push(`the run ended before the walk back was complete${process.status === "succeeded" || process.message === null ? "" : ` (${process.message})`}`);
    }
    parts.push(`not undone: ${notUndone.join(", ")}`);
  }
  if (kept.length > 0) parts.push(`kept (no rollback): ${kept.join(", ")}`);
  return { status: verdict.outcome, message: cut(parts.join("; ")) };
}

/**
 * A process that exited cleanly with steps left (a step that called process.exit(0), a script
 * that spoke the protocol itself) did not do its work: it failed, and nothing rolled back.
 */
function endedEarly(steps: WorkflowVerdict["steps"]): { status: RunStatus; message: string } {
  const done = steps.filter((step) => step.standing === "done").map((step) => step.name);
  const left = steps.filter((step) => step.standing !== "done").map((step) => step.name);
  const parts = [`the script exited before its workflow finished: not run or not finished: ${left.join(", ")}`];
  parts.push(done.length > 0 ? `completed and not rolled back: ${done.join(", ")}` : "no step had completed");
  return { status: "failed", message: cut(parts.join("; ")) };
}

function cut(text: string): string {
  return text.length <= MAX_MESSAGE_CHARS ? text : `${text.slice(0, MAX_MESSAGE_CHARS - 1)}…`;
}
