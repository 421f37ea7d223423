import type { RunStatus, WorkflowEntry, WorkflowReport } from "../run-types.js";
import type { StepOutcome } from "../sdk/protocol.js";
import { judgeWorkflow, type WorkflowVerdict } from "../sdk/workflow-outcome.js";
import { formatDuration } from "../sdk/format-duration.js";

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
 *
 * `resumed` says what the record knows beyond its entries (WorkflowRecord): the entries to
 * judge by (`judged`), the reason a decision rolled the workflow back (`failure`, said in place
 * of the failed step), and this process's `waiting` entry. A process that reported a wait and
 * exited cleanly is `waiting`; one that then failed, or reported more steps, failed.
 */
export function workflowVerdict(
  workflow: WorkflowReport,
  process: { status: RunStatus; message: string | null },
  resumed: { judged?: WorkflowEntry[]; failure?: string | null; waiting?: WorkflowEntry | null; reportedAfterWait?: boolean } = {},
): { status: RunStatus; message: string | null } {
  const waiting = resumed.waiting ?? null;
  if (waiting?.wait !== undefined) return waitVerdict(waiting, process, resumed.reportedAfterWait === true);
  const entries = resumed.judged ?? workflow.entries;
  const verdict = judgeWorkflow(workflow.declared, entries);
  if (verdict.outcome === "incomplete" && process.status === "succeeded") return endedEarly(verdict.steps);
  if (verdict.outcome !== "rolled_back" && verdict.outcome !== "rollback_failed") return process;
  // A step that waited and ran again has several run entries: its last one is how it ended.
  const failed = entries.findLast((entry) => entry.direction === "run" && entry.step === verdict.failedStep);
  const stoppedRollback = entries.find((entry) => entry.direction === "rollback" && entry.outcome !== "succeeded");
  const undone = entries.filter((entry) => entry.direction === "rollback" && entry.outcome === "succeeded").map((entry) => entry.step);
  const notUndone = verdict.steps.filter((step) => step.rollback && step.standing !== "undone" && step.standing !== "not_run").map((step) => step.name);
  const kept = verdict.steps.filter((step) => !step.rollback && (step.standing === "done" || step.standing === "partly_done")).map((step) => step.name);

  const parts: string[] = [];
  // How the run was stopped (its timeout, or who cancelled it), when it was.
  if ((process.status === "timed_out" || process.status === "cancelled") && process.message !== null) parts.push(process.message);
  parts.push(resumed.failure ?? (failed ? `step ${failed.step} ${WORDS[failed.outcome]}${failed.error ? `: ${failed.error}` : ""}` : "the walk back ran"));
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
 * A step reported that it waits: the run is `waiting` only if the process then exited cleanly
 * and said nothing more; the worker parks it. Anything else is a script that broke the protocol.
 */
function waitVerdict(
  entry: WorkflowEntry,
  process: { status: RunStatus; message: string | null },
  reportedAfterWait: boolean,
): { status: RunStatus; message: string } {
  const { signal, timeoutMs } = entry.wait!;
  const waits = `step ${entry.step} reported waiting for signal ${signal}`;
  if (reportedAfterWait) return { status: "failed", message: cut(`${waits}, then reported more steps: a step that waits must be the process's last`) };
  if (process.status !== "succeeded") {
    return { status: process.status === "waiting" ? "failed" : process.status, message: cut(`${waits}, then ${process.message ?? process.status}`) };
  }
  return { status: "waiting", message: `waiting for signal ${signal} at step ${entry.step} (times out in ${formatDuration(timeoutMs)})` };
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
