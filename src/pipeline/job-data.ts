import type { ExecutionResult, Provenance, ScriptTarget } from "../run-types.js";
import type { ScriptDescription } from "../sdk/protocol.js";

/** Every job of a run carries the same data: what to run and under which id. */
export interface RunJobData {
  runId: string;
  target: ScriptTarget;
}

/** What `process` hands to `execute`. */
export interface ProcessResult {
  provenance: Provenance;
  /**
   * The bundled JavaScript, redacted, for the dashboard and the run log; null when the
   * script must not or cannot run. The bundle that runs is kept in the BundleStore.
   */
  code: string | null;
  /** What an SDK script declared (inputs, concurrency, timeout); null for a plain script. */
  description: ScriptDescription | null;
  /** Why the script will not run: refused by the provenance gate, or failed to bundle. */
  problem: { status: "refused" | "failed"; message: string; detail: string | null } | null;
}

/** What `execute` hands to `cleanup`: everything the run log needs. */
export interface ExecuteResult {
  process: ProcessResult;
  execution: ExecutionResult;
  runner: string;
  /** 1 for the run the merge started; 2+ for each retry a person started from the dashboard. */
  attempt: number;
}

/**
 * A cleanup job. The merge's own cleanup is the flow parent of `execute` and reads its
 * outcome from there; cleanups of later attempts (dashboard retries) carry it in `outcome`.
 */
export interface CleanupJobData extends RunJobData {
  outcome?: ExecuteResult;
}

export interface CleanupResult {
  script: string;
  logPath: string;
  /** The commit that holds the log: on the default branch, or on the cleanup pull request's branch. */
  commit: string;
  /** Set when the log went through a pull request (protected default branch, or `cleanup: pull_request`). */
  cleanupPullRequest: { number: number; url: string } | null;
  status: ExecutionResult["status"];
}
