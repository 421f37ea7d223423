import type { RunStatusName, ScheduledRunView } from "../api/run-status-reader.js";
import type { WorkflowView } from "../api/workflow-view.js";
import type { LoggedInput, RunDecision } from "../run-types.js";
import type { InterruptedView, PauseRequestedView, WaitingView } from "../api/parked-view.js";
import type { IterationView } from "../api/iteration-view.js";

/** One line of a run's output as the pages show it: printed (stdout, stderr) or reported with the SDK's `log()`. */
export interface ChoreOutputLine {
  /** Milliseconds since the script started. */
  t: number;
  stream: "stdout" | "stderr" | "log";
  /** Already redacted; may hold anything a script prints (HTML, terminal escapes). */
  text: string;
}

/**
 * A run as the chores pages show it: the fields of `/api/runs`' RunStatusView they use, plus
 * who started it and how. Every field is typed as loosely as RunStatusView's (or more), so a
 * RunStatusView carrying the chore fields is assignable to it.
 */
export interface ChoreRunView {
  id: string;
  status: RunStatusName;
  /** `owner/repo`. */
  repository: string;
  /** The entry file that ran, e.g. `chores/unlock-account.ts`. */
  script: string;
  /** The commit of the version that ran. */
  commit: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  message: string | null;
  /** Why a queued or waiting run has not started yet. */
  waiting_reason?: string | null;
  result: unknown;
  /** The percentage done when the script gave a total, else the count done. */
  progress: number | null;
  counters: Record<string, number | "[REDACTED]"> | null;
  /** Where the run log was committed, once it was. */
  log: { path: string; commit: string; url: string | null } | null;
  /** How the run started: `ui` for a chore run from these pages, `merge` for a merged script. */
  trigger: string;
  /** The GitHub login of who started it; null for a merged script. */
  requested_by: string | null;
  /** The chore's name in the catalog; null for a merged script. */
  chore: string | null;
  /** The run's unique name in its repository, when it was given one (RunStatusView's `name`). */
  name?: string | null;
  /** For a run of the chore's schedule (trigger `schedule`): RunStatusView's `schedule`. */
  schedule?: ScheduledRunView;
  /** The inputs as the log shows them: secrets masked, files by name, size and sha256. */
  inputs: Record<string, LoggedInput> | null;
  /** The redacted tail of the output, oldest first. */
  output: ChoreOutputLine[] | null;
  /** For a workflow: RunStatusView's `workflow` (its steps, as the ledger or the record has them). */
  workflow?: WorkflowView;
  /** While parked for a signal or approvals: RunStatusView's `waiting`. */
  waiting?: WaitingView;
  /** While parked after its worker was lost: RunStatusView's `interrupted`. */
  interrupted?: InterruptedView;
  /** While paused (an iteration stopped after a batch because a person asked): since when, and who asked (RunStatusView's `paused`). */
  paused?: { since: string; by?: string | null };
  /** For an iteration: RunStatusView's `iteration` (items done, rate, ETA, checkpoint, batch in flight). */
  iteration?: IterationView;
  /** A pause asked of a running iteration and not yet taken: RunStatusView's `pause_requested`. */
  pause_requested?: PauseRequestedView;
  /** The decisions taken on it while parked, in order. */
  decisions?: RunDecision[];
}
