import type { StateChange, WorkflowReport } from "../run-types.js";
import type { StepDirection, StepOutcome } from "../sdk/protocol.js";
import type { StepStanding, WorkflowOutcome } from "../sdk/workflow-outcome.js";
import { workflowSummary } from "../runlog/workflow-summary.js";

/** A workflow run's steps as `GET /api/runs/<id>` shows them (snake_case, like the rest of the record). */
export interface WorkflowView {
  /** judgeWorkflow's verdict: `incomplete` while the run goes, or when it was lost during a step. */
  outcome: WorkflowOutcome;
  failed_step: string | null;
  /** Each declared step, in order, with where it stands. */
  steps: { name: string; rollback: boolean; standing: StepStanding }[];
  /** Every run and rollback so far, in the order they happened; state changes redacted when they were recorded. */
  entries: WorkflowEntryView[];
}

export interface WorkflowEntryView {
  step: string;
  direction: StepDirection;
  outcome: StepOutcome;
  started_at: string;
  duration_ms: number;
  error: string | null;
  changes: StateChange[];
  /** How many more changes there were than `changes` lists. */
  more_changes: number;
}

/**
 * The API's view of a workflow record (a finished run's report, or the ledger's while it runs
 * or after it was lost). The state itself is left out: its changes say what each step did.
 */
export function workflowView(report: WorkflowReport): WorkflowView {
  const summary = workflowSummary(report);
  return {
    outcome: summary.outcome,
    failed_step: summary.failedStep,
    steps: summary.steps,
    entries: report.entries.map((e) => ({
      step: e.step,
      direction: e.direction,
      outcome: e.outcome,
      started_at: e.startedAt,
      duration_ms: e.durationMs,
      error: e.error,
      changes: e.changes,
      more_changes: e.moreChanges,
    })),
  };
}
