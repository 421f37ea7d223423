import type { ExecutionResult, LoggedInput, Provenance, ScriptTarget } from "../run-types.js";
import type { ScriptDescription } from "../sdk/protocol.js";

/** Every job of a run carries the same data: what to run and under which id. */
export interface RunJobData {
  /** The job format it was written in (./job-format.ts); absent in format 1. */
  format?: number;
  runId: string;
  target: ScriptTarget;
}

/** What `process` hands to `execute`. The bundle itself is kept in the BundleStore only. */
export interface ProcessResult {
  provenance: Provenance;
  /**
   * Set when the repository shows this run is not to happen again: its log is already on the
   * default branch, or its script is gone from it (a push delivered again after the run's
   * records were removed). Nothing runs, and nothing is committed or posted.
   */
  alreadyHandled: string | null;
  /** What an SDK script declared (inputs, concurrency, timeout); null for a plain script. */
  description: ScriptDescription | null;
  /** Why the script will not run: refused by the provenance gate, or failed to bundle. */
  problem: { status: "refused" | "failed"; message: string; detail: string | null } | null;
  /** A merged script's values from its reviewed inputs file, checked against its inputs; absent without one. */
  reviewedInputs?: ReviewedInputs;
}

/**
 * The values of a reviewed inputs file. They travel in job data (shown in the dashboard):
 * they are in the repository's history already, and an inputs file may hold no secret input.
 */
export interface ReviewedInputs {
  /** `scripts/<name>.inputs.yml`. */
  path: string;
  /** Raw text per input, as the runner takes them (as a chore's form values). */
  values: Record<string, string>;
  /** As the script gets them (3, true), for the run log; redacted of what the log must not show. */
  logged: Record<string, LoggedInput>;
}

/** An attempt's outcome: everything the run log needs, kept once in RunOutcomes. */
export interface ExecuteResult {
  process: ProcessResult;
  execution: ExecutionResult;
  runner: string;
  /** 1 for the run the merge started; 2+ for each retry a person started from the dashboard. */
  attempt: number;
}

/** What the execute job returns (and BullMQ copies to its parent and event stream): no output. */
export interface ExecuteSummary extends Pick<ExecutionResult, "status" | "exitCode" | "durationMs" | "message"> {
  attempt: number;
  runner: string;
}

/**
 * A cleanup job. The merge's own cleanup is the flow parent of `execute` and learns the
 * attempt from it; cleanups of later attempts (dashboard retries) carry theirs.
 */
export interface CleanupJobData extends RunJobData {
  attempt?: number;
  /** Format 1: a retry's cleanup carried its attempt's whole outcome (see ./format-1.ts). */
  outcome?: ExecuteResult;
}

export interface CleanupResult {
  script: string;
  logPath: string;
  /**
   * The commit that holds the log: on the default branch, or on the cleanup pull request's
   * branch; null when nothing was committed because the run was handled before (`alreadyHandled`).
   */
  commit: string | null;
  /** Set when the log went through a pull request (protected default branch, or `cleanup: pull_request`). */
  cleanupPullRequest: { number: number; url: string } | null;
  status: ExecutionResult["status"];
}
