import type { ChoreRun, ExecutionResult, PullRequestInfo, RunTrigger } from "../run-types.js";

/** Everything the cleanup step knows about one run, as the run log records it. */
export interface RunLogInput {
  runId: string;
  jobIds: { process: string; execute: string; cleanup: string } | null;
  /** Path of the entry script, e.g. `scripts/2026-11-fix-plans.ts`. */
  script: string;
  /** `owner/repo`. */
  repository: string;
  commit: string;
  pullRequest: PullRequestInfo | null;
  approvedBy: string[];
  execution: ExecutionResult;
  /** The executed JavaScript bundle; null when it never bundled or was refused. */
  code: string | null;
  /** 1 for the first run, 2+ for a manual retry from the dashboard. */
  attempt: number;
  /** Host name of the worker that ran the script. */
  runner: string;
  /** How the run was started: `merge` for a merged script, `ui` for a chore a person ran; absent for a local run. */
  trigger?: RunTrigger;
  /** For a chore run: which chore, and who asked for it with which inputs (as logged: secret ones masked, files by name, size and sha256). */
  chore?: ChoreRun;
}
