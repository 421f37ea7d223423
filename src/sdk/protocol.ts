// The messages a script sends to its worker over the report channel: one JSON object per
// line on the UNIX socket named by CHOREBOT_CHANNEL (inherited by worker threads and child
// processes, so they can report too). Shared by the SDK (in the script) and the runner.

export const CHANNEL_ENV = "CHOREBOT_CHANNEL";
/** JSON object of raw input strings (name → value) for a defineScript script. */
export const INPUTS_ENV = "CHOREBOT_INPUTS";

export type InputType = "string" | "int" | "float" | "bool" | "file";

/**
 * How many runs of a script may go at once, across every worker: `self` one per repository
 * and script path, `global` one among every `global` script, `none` no limit.
 */
export const CONCURRENCY = ["none", "self", "global"] as const;
export type Concurrency = (typeof CONCURRENCY)[number];
/** A script that declares none, plain scripts too: one run of it at a time. */
export const DEFAULT_CONCURRENCY: Concurrency = "self";

export function isConcurrency(value: unknown): value is Concurrency {
  return (CONCURRENCY as readonly unknown[]).includes(value);
}

/** An environment variable's name as shells write it: a script's `env` lists only such names. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isEnvName(value: unknown): value is string {
  return typeof value === "string" && ENV_NAME.test(value);
}

/** What a script declares, as the worker and the UIs see it (no functions). */
export interface ScriptDescription {
  description: string | null;
  inputs: Record<
    string,
    {
      type: InputType;
      required: boolean;
      default?: string | number | boolean;
      description?: string;
      min?: number;
      max?: number;
      /** The pattern's `source`. */
      pattern?: string;
      /** The pattern's flags (`iu`), only when it has some: descriptions written before there were flags have none. */
      flags?: string;
      choices?: string[];
      secret?: boolean;
    }
  >;
  concurrency: Concurrency;
  timeoutMs: number | null;
  /**
   * The SCRIPT_ENV variables the script says it needs, in its order: it is given only those
   * (and the basics). Null when it does not say: it is given every SCRIPT_ENV variable.
   */
  env: string[] | null;
  /** When it runs on its own, for a chore (see ScheduleDescription); null when it declares no schedule, absent in descriptions made before schedules. */
  schedule?: ScheduleDescription | null;
  /** Its steps, for a `defineWorkflow` (see WorkflowDescription); null or absent for any other script. */
  workflow?: WorkflowDescription | null;
  /** Approval at run time (`approval: { count }`): each run waits for that many other people's go-ahead; null or absent when it asks none. */
  approval?: ApprovalDescription | null;
  /** For an iteration (`defineScript({ collection, process })`): how it goes through its collection; null or absent for any other script. */
  iteration?: IterationDescription | null;
}

/**
 * An iteration's options as read from its source, defaults filled in. It processes the items
 * its `collection` yields in batches of `batchSize`; after each batch the cursor of its last
 * item is checkpointed (see BatchReport), and a run that goes on (Resume, or after a pause)
 * calls `collection` again from that cursor.
 */
export interface IterationDescription {
  /** Items per batch (and per checkpoint), 1 to MAX_BATCH_SIZE; DEFAULT_BATCH_SIZE when it names none. */
  batchSize: number;
  /** How long it waits between batches (throttling), 0 to MAX_ITERATION_PAUSE_MS; 0 when it names none. */
  pauseMs: number;
  /** Whether it can count its items (a `count` function, or a CSV collection): then progress has a total and an ETA. */
  counted: boolean;
  /** `collection: csvRows("name")`: the file input whose CSV rows are the items; null for any other collection. */
  csv: string | null;
}

export const DEFAULT_BATCH_SIZE = 100;
export const MAX_BATCH_SIZE = 10_000;
export const MAX_ITERATION_PAUSE_MS = 60 * 60 * 1000;
/** The largest a cursor may be, as JSON: it is checkpointed in Redis after every batch. */
export const MAX_CURSOR_BYTES = 16 * 1024;

/**
 * One completed batch of an iteration, sent once every item of it was processed. The script
 * waits for the worker's {@link BatchAck} before it takes the next item: by then the
 * checkpoint (`seq`, `done`, `cursor`) is persisted in Redis, so no item of this batch is ever
 * processed again.
 */
export interface BatchReport {
  /** 1, 2, … in the run, numbered on across its processes (a resumed run goes on from its checkpoint's). */
  seq: number;
  /** The cursor its last item was yielded with (JSON, at most MAX_CURSOR_BYTES): a run that goes on starts after it. */
  cursor: unknown;
  /**
   * Items in it: batchSize, or fewer for the last. 0 only for an empty last batch (a collection
   * with nothing after its start cursor): its cursor is then the cursor it started from, unchanged.
   */
  items: number;
  /** Items processed in the run so far, this batch's included (the checkpoint's count). */
  done: number;
  /** ISO 8601: when its first item started. */
  startedAt: string;
  durationMs: number;
  /** The collection has nothing after it: the iteration is finished once this is acked (a pause asked for now comes too late). */
  last: boolean;
}

/** The worker's answer to a batch: it is checkpointed. `pause`: a person asked the run to pause, so the script stops here (status `paused`). */
export interface BatchAck {
  type: "ack";
  seq: number;
  pause: boolean;
}

/**
 * Where an iteration goes on from, in the file named by RESUME_ENV (after a pause, or a
 * person's Resume): `collection` is called with `cursor` (null: from the start, nothing was
 * checkpointed), batches are numbered on from `seq`, and `done` items count as processed.
 */
export interface IterationResumption {
  seq: number;
  done: number;
  cursor: unknown;
}

/** A script's `approval`, defaults filled in. */
export interface ApprovalDescription {
  /** How many people other than the one who asked must approve, 1 to MAX_APPROVALS. */
  count: number;
  /** How long a run waits for them before it is cancelled (nothing of it ran). */
  timeoutMs: number;
}

/** The most approvals a script may ask for. */
export const MAX_APPROVALS = 5;
/** How long a run waits for its approvals when its `approval` names no `timeout`. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 7 * 24 * 60 * 60 * 1000;
/** The name of the signal a run waiting for approvals waits for: no `waitFor` may use it. */
export const APPROVAL_SIGNAL = "approval";

/** A workflow's steps as read from its source, in order. */
export interface WorkflowDescription {
  steps: WorkflowStepDescription[];
}

export interface WorkflowStepDescription {
  /** Unique within the workflow. */
  name: string;
  /** Whether it declares a `rollback`: one without leaves its work in place when the workflow rolls back. */
  rollback: boolean;
  /** How long its `run`, and again its `rollback`, may take: its `timeout`, else the workflow's `stepTimeout`, else DEFAULT_STEP_TIMEOUT_MS. */
  timeoutMs: number;
}

/** A step's time limit (each of its run and its rollback) when neither it nor its workflow names one. */
export const DEFAULT_STEP_TIMEOUT_MS = 5 * 60 * 1000;
/** The most steps a workflow may have (the check refuses more; so does defineWorkflow). */
export const MAX_WORKFLOW_STEPS = 50;
/** The largest a workflow's state may be, as JSON, unless the server says otherwise (WORKFLOW_STATE_LIMIT). */
export const DEFAULT_MAX_STATE_BYTES = 1024 * 1024;
/** Set by the runner for a run: the server's WORKFLOW_STATE_LIMIT, in bytes. */
export const MAX_STATE_ENV = "CHOREBOT_MAX_STATE_BYTES";

export const STEP_DIRECTIONS = ["run", "rollback"] as const;
export type StepDirection = (typeof STEP_DIRECTIONS)[number];

/**
 * How one run or rollback of a step ended: `vetoed` when an observer's beforeStep threw (it
 * did not run), `cancelled` when the run was stopped (timeout, cancel) while it ran, `waiting`
 * when its run called `ctx.waitFor` for a signal not yet delivered (the process then ends, and
 * the step runs again from its start, from the state it started from, once the signal comes).
 */
export const STEP_OUTCOMES = ["succeeded", "failed", "timed_out", "vetoed", "cancelled", "waiting"] as const;
export type StepOutcome = (typeof STEP_OUTCOMES)[number];

/**
 * One run or rollback of a step, as the workflow reports it once it has ended (observers
 * included). The script waits for the worker's {@link StepAck} before it goes on: by then
 * this, the state included, is persisted in Redis.
 */
export interface StepReport {
  /** 1, 2, … in the order they happened within the run. */
  seq: number;
  step: string;
  direction: StepDirection;
  outcome: StepOutcome;
  /** ISO 8601. */
  startedAt: string;
  durationMs: number;
  /** What went wrong (the error's message, or the veto's), null when it succeeded. */
  error: string | null;
  /** The whole state after it (JSON), observers' changes included. */
  state: unknown;
  /** The first report only: the state the workflow started from, so its first changes are told against it. */
  before?: unknown;
  /** Outcome `waiting` only: what it waits for. Its `state` is then the state the step started from (it runs again from it). */
  wait?: StepWait;
}

/** What a waiting step waits for. */
export interface StepWait {
  /** The signal's name (SIGNAL_NAME); never APPROVAL_SIGNAL. */
  signal: string;
  /** How long it waits from when it was reported; then the workflow rolls back, this step's own rollback first. */
  timeoutMs: number;
  /** A pull request of the run's repository whose approving review delivers the signal, or null. */
  pullRequest: number | null;
}

/** A signal's name: a letter, then letters, digits, `-` or `_`, at most 64 in all. */
export const SIGNAL_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** How long `waitFor` waits when it names no `timeout`, and the longest it may name. */
export const DEFAULT_WAIT_TIMEOUT_MS = 7 * 24 * 60 * 60 * 1000;
export const MAX_WAIT_TIMEOUT_MS = 30 * 24 * 60 * 60 * 1000;
/** The largest signal payload (as JSON) a run accepts; a larger one is refused (413) and delivers nothing. */
export const MAX_SIGNAL_PAYLOAD_BYTES = 64 * 1024;

/**
 * Set by the runner when a workflow goes on in a fresh process (after a wait, or a person's
 * Resume or Roll back): the path of a JSON file holding a {@link Resumption}; for an iteration
 * going on from its checkpoint (after a pause, or a Resume), one holding an {@link IterationResumption}.
 */
export const RESUME_ENV = "CHOREBOT_RESUME";

/**
 * Where a workflow goes on from. Its state is the one step `from` started from (as recorded,
 * unredacted); its reports are numbered on from `seq` + 1. With `rollback` null, step `from`
 * runs (again) and the workflow goes on, `waitFor(name)` returning `signals[name]` at once for
 * every delivered signal. With `rollback`, nothing runs: the walk back starts at step `from`
 * (its own rollback, if it has one, then the steps before it in reverse), and the workflow's
 * failure is `rollback.reason` (like "waiting for approved timed out after 2d" or "rolled back
 * by @alice after step charge was interrupted").
 */
export interface Resumption {
  from: string;
  /** Absent: the workflow's declared initial state (from its inputs), for a worker lost before its first step was recorded. */
  state?: unknown;
  seq: number;
  signals: Record<string, unknown>;
  rollback: { reason: string } | null;
}

/** The worker's answer to a step message, on the connection it came from: `seq` is persisted. */
export interface StepAck {
  type: "ack";
  seq: number;
}

/** What a scheduled run may be retried after (`retryOn`): `failed` always may; the others may have done part of their work. */
export const RETRY_ON = ["failed", "timed_out", "lost"] as const;
export type RetryOn = (typeof RETRY_ON)[number];
export const OVERLAP = ["skip", "queue"] as const;
export type Overlap = (typeof OVERLAP)[number];
export const CATCH_UP = ["latest", "none"] as const;
export type CatchUp = (typeof CATCH_UP)[number];
export const BACKOFF = ["fixed", "exponential"] as const;
export type Backoff = (typeof BACKOFF)[number];

/**
 * A chore's `schedule`, as read from its source with the defaults filled in. Only its shape is
 * known here: whether the cron expression, the time zone, the interval and the attempts are
 * allowed is judged on the server (src/schedules/judge-schedule.ts), against its limits.
 */
export interface ScheduleDescription {
  /** Exactly one of `cron` (a cron expression, 5 or 6 fields) and `everyMs` (a fixed interval) is set. */
  cron: string | null;
  everyMs: number | null;
  /** The IANA time zone the cron expression is read in; "UTC" when it names none. */
  timezone: string;
  /** Tries per occurrence, the first included (1: no retry), and the wait before each retry. */
  retries: { attempts: number; backoff: Backoff; delayMs: number };
  /** Which ends of a try lead to the next one, while tries remain; default ["failed"]. */
  retryOn: RetryOn[];
  /** An occurrence whose previous run still goes: `skip` (the default) records it skipped, `queue` runs it after. */
  overlap: Overlap;
  /** After every worker was down: `latest` (the default) runs the one missed occurrence, `none` skips it. */
  catchUp: CatchUp;
  /** The values scheduled runs get, by input name (the inputs' defaults apply to the others). */
  inputs: Record<string, string | number | boolean>;
}

export type ReportMessage =
  | { type: "log"; message: string }
  | { type: "counter"; name: string; op: "set" | "inc"; value: number }
  | { type: "progress"; done: number; total: number | null }
  | { type: "fail"; reason: string }
  | { type: "result"; value: unknown }
  | { type: "inputs"; values: Record<string, unknown> }
  | { type: "step"; report: StepReport }
  | { type: "batch"; report: BatchReport };
