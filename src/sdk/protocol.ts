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
}

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
 * did not run), `cancelled` when the run was stopped (timeout, cancel) while it ran.
 */
export const STEP_OUTCOMES = ["succeeded", "failed", "timed_out", "vetoed", "cancelled"] as const;
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
  | { type: "step"; report: StepReport };
