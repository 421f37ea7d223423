import { isRequired, type InputDeclarations, type InputValues } from "./inputs.js";
import { describeApproval } from "./describe-approval.js";
import { defineIteration, isIterationDefinition, type DefinedIteration, type IterationScriptDefinition } from "./define-iteration.js";
import { describeIterationOf } from "./describe-iteration.js";
import { describeSchedule } from "./describe-schedule.js";
import { describeWorkflowOf } from "./describe-workflow.js";
import { parseDuration, type Duration } from "./parse-duration.js";
import {
  CONCURRENCY,
  DEFAULT_CONCURRENCY,
  isConcurrency,
  isEnvName,
  type Backoff,
  type CatchUp,
  type Concurrency,
  type Overlap,
  type RetryOn,
  type ScriptDescription,
} from "./protocol.js";
import type { Counter, ProgressValue } from "./reporter.js";

/** Marks a defineScript() result, across copies of the SDK (Symbol.for is process-wide). */
export const SCRIPT_MARK: unique symbol = Symbol.for("chorebot.script") as never;

export interface RunContext<V> {
  inputs: V;
  /** Formats its arguments like console.log and reports one log line. */
  log: (...args: unknown[]) => void;
  counter: Counter;
  progress: (value: ProgressValue) => void;
  /** Reports the reason and ends the run with exit code 1 (throws; do not catch it). */
  fail: (reason: string) => never;
  /** Aborted when the run is stopped (SIGTERM/SIGINT: timeout or cancel); stop cleanly. */
  signal: AbortSignal;
}

export interface ScriptDefinition<I extends InputDeclarations = InputDeclarations, R = unknown> {
  description?: string;
  inputs?: I;
  /** Default "self": one run of this script at a time. */
  concurrency?: Concurrency;
  /** "90s", "20m", "2h" or a number of seconds. */
  timeout?: Duration;
  /**
   * The variables of the server's SCRIPT_ENV this script needs, like ["DATABASE_URL"]: it gets
   * only those (and basics such as PATH and HOME), and does not run where one is not allowed.
   * Left out, it gets every SCRIPT_ENV variable.
   */
  env?: readonly string[];
  /**
   * A chore only: run it on a clock, e.g. `{ cron: "0 3 * * *", timezone: "Europe/Berlin" }` or
   * `{ every: "15m" }`, once per occurrence across every worker.
   */
  schedule?: ScheduleDefinition;
  /** Each run waits for `count` other people's approval before it starts (see ApprovalDefinition). */
  approval?: ApprovalDefinition;
  /** Its return value is reported as the run's result (JSON). */
  run(context: RunContext<InputValues<I>>): R | Promise<R>;
}

/**
 * Approval at run time: each run waits (status `waiting`, signal `approval`) until `count`
 * people other than the one who asked, each with the chore's permission, approve it (its
 * page, `/chorebot approve <run>`, or the API); one rejection cancels it, and so does `timeout`.
 */
export interface ApprovalDefinition {
  /** 1 to 5. */
  count: number;
  /** How long it waits for them; default "7d", at most "30d". */
  timeout?: Duration;
}

export interface ScheduleDefinition {
  /** A cron expression (minute hour day month weekday, or with seconds first), read in `timezone`. */
  cron?: string;
  /** An IANA time zone such as "Europe/Berlin"; default "UTC". Only with `cron`. */
  timezone?: string;
  /** A fixed interval instead of `cron`: "15m", "1h" or a number of seconds. */
  every?: Duration;
  /** Tries per occurrence, the first included (`attempts: 2` is one try and one retry), each its own run and record. */
  retries?: { attempts: number; backoff?: Backoff; delay?: Duration };
  /** Which ends of a try start the next one; default ["failed"] (timed_out and lost runs may have done part of their work). */
  retryOn?: readonly RetryOn[];
  /** An occurrence whose previous run still goes: "skip" (default) or "queue". */
  overlap?: Overlap;
  /** After every worker was down: run the latest missed occurrence ("latest", default) or none. */
  catchUp?: CatchUp;
  /** The values scheduled runs get, by input name. */
  inputs?: Readonly<Record<string, string | number | boolean>>;
}

export type DefinedScript<I extends InputDeclarations = InputDeclarations, R = unknown> = ScriptDefinition<I, R> & {
  readonly [SCRIPT_MARK]: true;
};

/**
 * Declares a script: `export default defineScript({ inputs, run })`, or an iteration:
 * `defineScript({ inputs, collection, process, batchSize, pause, count })` (see
 * IterationDefinition). Checks the definition at once.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- `{}` is the published "no inputs" default; changing it changes scripts' inferred types
export function defineScript<I extends InputDeclarations = {}, R = unknown>(definition: ScriptDefinition<I, R>): DefinedScript<I, R>;
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- as above
export function defineScript<I extends InputDeclarations = {}, T = unknown, C = unknown>(
  definition: IterationScriptDefinition<I, T, C>,
): DefinedIteration<I, T, C>;
export function defineScript(
  definition: ScriptDefinition | IterationScriptDefinition<InputDeclarations, unknown, unknown>,
): DefinedScript | DefinedIteration<InputDeclarations> {
  if (typeof definition !== "object" || definition === null) throw new Error("defineScript takes one object: defineScript({ inputs, run })");
  if (isIterationDefinition(definition)) return defineIteration(definition as IterationScriptDefinition<InputDeclarations, unknown, unknown>);
  if (typeof definition.run !== "function") throw new Error("defineScript: `run` must be a function (or, for an iteration, give `collection` and `process`)");
  for (const option of ["batchSize", "pause", "count"]) {
    if (Object.hasOwn(definition, option))
      throw new Error(`defineScript: \`${option}\` is an iteration's option: give \`collection\` and \`process\` instead of \`run\``);
  }
  checkScriptOptions(definition, "defineScript");
  return Object.freeze({ ...definition, [SCRIPT_MARK]: true as const });
}

/** What defineScript and defineWorkflow share: concurrency, timeout, env, schedule, approval and inputs, checked at once. `caller` starts each message. */
export function checkScriptOptions(definition: Omit<ScriptDefinition, "run">, caller: string): void {
  if (definition.concurrency !== undefined && !isConcurrency(definition.concurrency)) {
    throw new Error(`${caller}: concurrency must be one of ${CONCURRENCY.join(", ")}, got ${JSON.stringify(definition.concurrency)}`);
  }
  if (definition.timeout !== undefined) parseDuration(definition.timeout);
  if (definition.env !== undefined) checkEnv(definition.env, caller);
  if (definition.schedule !== undefined) checkSchedule(definition.schedule, caller);
  if (definition.approval !== undefined) checkApproval(definition.approval, caller);
  for (const [name, input] of Object.entries(definition.inputs ?? {})) {
    if (typeof input?.kind !== "string") throw new Error(`${caller}: input ${JSON.stringify(name)} is not an input (use string(), int(), …)`);
  }
}

/** The SDK's own check of `env`; the static reader (src/definitions/read-env.ts) reports the same problems. */
function checkEnv(env: unknown, caller: string): void {
  if (!Array.isArray(env)) throw new Error(`${caller}: env must be an array of variable names like ["DATABASE_URL"], got ${shown(env)}`);
  // Index by index: forEach would skip a hole (`["A", , "B"]`).
  for (let i = 0; i < env.length; i++) {
    const name: unknown = env[i];
    if (!isEnvName(name)) throw new Error(`${caller}: env[${i}]: ${shown(name)} is not an environment variable name`);
    if (env.indexOf(name) !== i) throw new Error(`${caller}: env[${i}]: ${name} is listed twice`);
  }
}

function checkSchedule(schedule: ScheduleDefinition, caller: string): void {
  try {
    describeSchedule(schedule);
  } catch (error) {
    throw new Error(`${caller}: ${(error as Error).message}`, { cause: error });
  }
}

function checkApproval(approval: ApprovalDefinition, caller: string): void {
  try {
    describeApproval(approval);
  } catch (error) {
    throw new Error(`${caller}: ${(error as Error).message}`, { cause: error });
  }
}

const shown = (value: unknown): string => (typeof value === "string" ? JSON.stringify(value) : String(value));

export function isDefinedScript(value: unknown): value is DefinedScript {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[SCRIPT_MARK] === true &&
    typeof (value as { run?: unknown }).run === "function"
  );
}

/**
 * What a script declares, without functions: for the worker and the UIs. `required` is true
 * when a caller must supply the input (no default, not optional). Secret inputs' defaults
 * are left out. `workflow` lists a defineWorkflow's steps, and is null for any other script.
 */
export function describeScript(definition: ScriptDefinition<InputDeclarations, unknown>): ScriptDescription {
  const inputs: ScriptDescription["inputs"] = {};
  for (const [name, input] of Object.entries(definition.inputs ?? {})) {
    const o = input.options;
    const secret = o.secret === true;
    inputs[name] = {
      type: input.kind,
      required: isRequired(input),
      ...(o.default !== undefined && !secret ? { default: o.default } : {}),
      ...(o.description !== undefined ? { description: o.description } : {}),
      ...(o.min !== undefined ? { min: o.min } : {}),
      ...(o.max !== undefined ? { max: o.max } : {}),
      ...(o.pattern !== undefined ? { pattern: o.pattern.source } : {}),
      ...(o.pattern !== undefined && o.pattern.flags !== "" ? { flags: o.pattern.flags } : {}),
      ...(o.choices !== undefined ? { choices: [...o.choices] } : {}),
      ...(secret ? { secret: true } : {}),
    };
  }
  return {
    description: definition.description ?? null,
    inputs,
    concurrency: definition.concurrency ?? DEFAULT_CONCURRENCY,
    timeoutMs: definition.timeout === undefined ? null : parseDuration(definition.timeout),
    env: definition.env === undefined ? null : [...definition.env],
    schedule: definition.schedule === undefined ? null : describeSchedule(definition.schedule),
    workflow: describeWorkflowOf(definition),
    approval: definition.approval === undefined ? null : describeApproval(definition.approval),
    iteration: describeIterationOf(definition),
  };
}
