// The data that travels through the pipeline: webhook → process → execute → cleanup.
// Everything here is JSON-serialisable because BullMQ stores it in Redis.
import type { MergedPullRequest } from "./github/merged-pull-requests.js";
import type { RepoConfig } from "./github/repo-config.js";
import type { ScheduleDescription, StepReport } from "./sdk/protocol.js";

/**
 * How a run ended. A workflow that failed and undid its completed steps is `rolled_back`; one
 * whose walk back stopped (a rollback failed, timed out, or the run was killed during it) is
 * `rollback_failed`.
 */
/**
 * How an attempt ended. `waiting` and `paused` are never recorded as an end: the runner returns
 * `waiting` when a workflow parked at a `waitFor`, and `paused` when an iteration stopped after
 * a batch because a person asked it to pause; the worker parks the run (see ParkedRuns) instead
 * of recording it. `interrupted` is the record of an attempt whose worker was lost during a
 * workflow or an iteration: it is not re-run on its own, and waits for a person's Resume (or,
 * for a workflow, Roll back).
 */
export const RUN_STATUSES = [
  "succeeded",
  "failed",
  "timed_out",
  "cancelled",
  "lost",
  "refused",
  "rolled_back",
  "rollback_failed",
  "waiting",
  "interrupted",
  "paused",
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** One merged entry script, as the webhook handler found it. */
export interface ScriptTarget {
  owner: string;
  repo: string;
  installationId: number;
  defaultBranch: string;
  /**
   * Where the script is read and bundled: the commit its pull request landed at (its merge,
   * squash or last rebased commit), or the pushed head when no pull request added it.
   */
  commit: string;
  /**
   * The committer date of `commit` (ISO 8601, as GitHub gives it): its UTC month names the
   * run log's folder, so the path never depends on when the run happened.
   */
  committedAt: string;
  /** The push rewrote the default branch's history: nothing it brought may run. */
  forced?: boolean;
  /** Path of the entry script in the repository, e.g. `scripts/2026-11-fix.ts`. */
  path: string;
  /** The entry script's blob as pushed, which is its pull request head's when `refusal` is null. */
  blob: string;
  /** The pull request that added the script; null when none did (`refusal` then says so). */
  pullRequest: MergedPullRequest | null;
  /** Why the script may not run, as discover found it (no pull request added it, changed since its approval…). */
  refusal: string | null;
  /** The repository's `.github/chorebot.yml` before the push (defaults when absent or invalid). */
  config: RepoConfig;
  /** Why the repository's config file is invalid; every script of the merge is then refused. */
  configError: string | null;
  /**
   * The script's reviewed inputs file (`scripts/<name>.inputs.yml`) as pushed, when there is one
   * (absent for a chore run): its values are the run's inputs, and cleanup deletes it with the script.
   */
  inputsFile?: { path: string; blob: string };
  /**
   * Set for a chore a person ran on demand (absent for a merged one-off script): `path`,
   * `commit`, `committedAt` and `blob` are then the indexed version that runs, `pullRequest`
   * and `refusal` are null (the catalog holds its provenance), and the chore stays in the
   * repository after its run.
   */
  chore?: ChoreRun;
}

/** A chore run: which chore, and what the person who started it asked for. */
export interface ChoreRun {
  /** Its name in the catalog: the entry path under the chores folder, without the extension (`billing/unlock-account`). */
  name: string;
  request: RunRequest;
}

/** How a run was started: merged, or on demand from the chores page, a `/chorebot run` comment or the API. */
export type RunTrigger = "merge" | "ui" | "comment" | "api" | "schedule";

/** What a person asked for when starting a run on demand. Never holds a secret value (job data is shown in the dashboard). */
export interface RunRequest {
  trigger: Exclude<RunTrigger, "merge">;
  /** The GitHub login of who asked. */
  requestedBy: string;
  /** When (ISO 8601, UTC): its date names the run log's folder and file. */
  requestedAt: string;
  /** The inputs as the log shows them: secret ones masked, files by name, size and sha256. The values themselves are in RunInputs. */
  inputs: Record<string, LoggedInput>;
  /** The run's name, unique in its repository while it runs and for RUN_NAME_TTL after (see RunNames); absent when it was given none. */
  name?: string;
  /** For trigger `comment`: the comment that asked, and chorebot's reply to it, which the run edits as it goes. */
  comment?: CommandComment;
  /** For trigger `schedule`: which occurrence this run is, and which try of it. `requestedBy` is then "schedule". */
  schedule?: ScheduledTry;
}

/** One try of one occurrence of a chore's schedule: each try is its own run, with its own record. */
export interface ScheduledTry {
  /** The chore's BullMQ job scheduler (schedulerIdOf). */
  schedulerId: string;
  /** The occurrence's time as the scheduler set it (ms since the epoch): the run ids derive from it. */
  occurrenceMs: number;
  /** 1 for the occurrence's first try; at most `schedule.retries.attempts`. */
  attempt: number;
  /** The schedule as indexed when the occurrence fired: its retries, retryOn and overlap apply to every try of it. */
  schedule: ScheduleDescription;
}

/** A `/chorebot run` comment, and where chorebot answers it. */
export interface CommandComment {
  /** The comment's page (`html_url`): the log links it. */
  url: string;
  /** The issue or pull request it is on. */
  issueNumber: number;
  commentId: number;
  /** chorebot's one reply, edited as the run goes; null when it could not be posted. */
  replyId: number | null;
}

/** One input value as a run's record shows it. */
export type LoggedInput = string | number | boolean | null | { secret: true } | { file: string; bytes: number; sha256: string };

export interface PullRequestInfo {
  number: number;
  url: string;
  author: string;
  title: string;
}

/** Who let this script through, or why nobody did. */
export interface Provenance {
  pullRequest: PullRequestInfo | null;
  approvedBy: string[];
  /** Set when the script must not run; the reason is written to the run log. */
  refusal: string | null;
}

export interface OutputLine {
  /** Milliseconds since the script started. */
  t: number;
  /** `log`: a line the script reported with the SDK's `log()`, merged in by the run log. */
  stream: "stdout" | "stderr" | "log";
  text: string;
}

export interface CapturedOutput {
  lines: OutputLine[];
  /** Bytes of output that were dropped between the kept head and tail (0 when complete). */
  omittedBytes: number;
  /** Index into `lines` before which those bytes were dropped; null when nothing was. */
  omittedAt: number | null;
}

export interface ExecutionResult {
  status: RunStatus;
  exitCode: number | null;
  signal: string | null;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  output: CapturedOutput;
  /** A one-line explanation for anything but a clean exit, e.g. "timed out after 900 s". */
  message: string | null;
  /**
   * What the script reported over the report channel (the SDK: inputs, log, counter,
   * progress, fail, its result). Absent when nothing arrived on the channel, as for a plain
   * script: its record is exactly what it was before the SDK existed.
   */
  report?: ExecutionReport;
  /**
   * What moved the run on while it was parked, in order: approvals and a rejection, signals,
   * timeouts, a person's Resume or Roll back. Absent when it never waited.
   */
  decisions?: RunDecision[];
}

/** `pause`: a person asked a running iteration to stop after its current batch (recorded when asked, whether or not it came in time). */
export const DECISION_KINDS = ["approve", "reject", "signal", "timeout", "resume", "rollback", "cancel", "pause"] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];
/** Where a decision came from: `timer` for a timeout. */
export const DECISION_VIAS = ["page", "api", "cli", "comment", "review", "timer"] as const;
export type DecisionVia = (typeof DECISION_VIAS)[number];

/** One decision on a parked run: who (a GitHub login; "dashboard" for the dashboard's credentials, "timeout" for the timer), how, when. */
export interface RunDecision {
  kind: DecisionKind;
  by: string;
  via: DecisionVia;
  /** ISO 8601. */
  at: string;
  /** For `signal` and `timeout`: the signal's name (`approval` for approvals). */
  signal?: string;
  /** For `resume` and `rollback`: the step that was interrupted. For `signal`/`timeout`: the step that waited. */
  step?: string;
  /** For an iteration's `resume` (set by the decider): whether it was paused or interrupted. Absent for workflows and in older records. */
  from?: "paused" | "interrupted";
}

export interface ReportLog {
  /** Milliseconds since the script started, like OutputLine's. */
  t: number;
  message: string;
}

/** The messages of a run, aggregated; every free text already redacted. */
export interface ExecutionReport {
  /** The inputs as the script parsed them (name → value); null when it did not report them. */
  inputs: Record<string, unknown> | null;
  /** Final values (a set replaces, an inc adds); `[REDACTED]` where the number would show a secret. */
  counters: Record<string, number | "[REDACTED]">;
  /** The last progress reported. */
  progress: { done: number; total: number | null } | null;
  /** The last result reported (JSON); undefined when none (a `run` that returned nothing). */
  result: unknown;
  /** The first reason a script failed itself with; the run is then `failed` with this message. */
  failReason: string | null;
  /** The first logs, in order of arrival; later ones are only counted in `droppedLogs`. */
  logs: ReportLog[];
  droppedLogs: number;
  /** Lines on the channel that were not messages (malformed, oversized) or over a limit. */
  rejectedLines: number;
  /** For a workflow: every step's run and rollback, in order. Absent for any other script. */
  workflow?: WorkflowReport;
  /** For an iteration: how far it got, over all its processes. Absent for any other script. */
  iteration?: IterationReport;
}

/**
 * An iteration's record, as the runner folds its batch reports (redacted). It covers the whole
 * run: a process that goes on from a checkpoint starts from the record its earlier ones left.
 */
export interface IterationReport {
  batchSize: number;
  /** What `count` (or the CSV) said, for progress; null when it cannot count. */
  total: number | null;
  /** The last checkpoint: items up to it are never processed again. Null before the first batch completed. */
  checkpoint: CheckpointView | null;
  /** The batch whose items were being processed when the process ended, never checkpointed (they may be processed again); null when none was. */
  inFlight: { seq: number; from: number; items: number } | null;
  /** Where this process went on from (a pause or a Resume); null when it started from the beginning. */
  resumedFrom: { seq: number; done: number } | null;
  /** The process stopped after its checkpoint because a person asked it to pause. */
  paused: boolean;
  /** The last batch was checkpointed: every item was processed. */
  finished: boolean;
  /** Batch reports refused as impossible (a number out of order, a count that does not add up, a cursor too large or unchanged). */
  refused: number;
}

/** A checkpoint as shown: its cursor redacted and cut to one line (the raw one is the ledger's). */
export interface CheckpointView {
  seq: number;
  /** Items processed up to and including this batch. */
  done: number;
  /** The cursor as JSON, redacted, cut to MAX_SHOWN_CURSOR_CHARS. */
  cursor: string;
  /** ISO 8601: when it was persisted. */
  at: string;
}

/** How much of a cursor records and pages show. */
export const MAX_SHOWN_CURSOR_CHARS = 200;

/** A workflow's record: what each step did, redacted. */
export interface WorkflowReport {
  /** The steps as declared (WorkflowDescription), so a step that never ran is listed too. */
  declared: { name: string; rollback: boolean }[];
  /** Every run and rollback, in the order they happened. */
  entries: WorkflowEntry[];
  /** The state after the last entry (redacted JSON); null before the first. */
  state: unknown;
}

/** A step's report as recorded: its state replaced by what it changed. */
export interface WorkflowEntry extends Omit<StepReport, "seq" | "state"> {
  /** Redacted and cut to one line. */
  error: string | null;
  /** What it changed in the state (at most MAX_STATE_CHANGES, values redacted and cut). */
  changes: StateChange[];
  /** How many more changes there were than are listed. */
  moreChanges: number;
}

/** One changed path of the state: `before` absent when it was added, `after` absent when it was removed. */
export interface StateChange {
  /** Like `$.user.plan` or `$.ids[3]`. */
  path: string;
  before?: unknown;
  after?: unknown;
}
