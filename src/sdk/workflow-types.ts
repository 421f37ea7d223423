// What a workflow script declares: `export default defineWorkflow({ state, steps: [step({ … })] })`.
import type { ApprovalDefinition, RunContext, ScheduleDefinition } from "./define-script.js";
import type { InputDeclarations, InputValues } from "./inputs.js";
import type { Duration } from "./parse-duration.js";
import type { Concurrency, StepDirection, StepOutcome } from "./protocol.js";

/** What a step's `run` and `rollback` get besides the state: the run's context, and the step's own signal. */
export interface StepContext<V> extends RunContext<V> {
  /** The step's name. */
  step: string;
  /** Aborted when this step times out, or the run is stopped (timeout, cancel): stop cleanly. */
  signal: AbortSignal;
  /**
   * Waits for the signal `name` (a POST to `/api/runs/<run>/signals/<name>`, a `/chorebot
   * continue <run>` comment, or an approving review of `pullRequest`) and returns its payload.
   * The wait survives restarts: the process ends, the run is `waiting`, and once the signal
   * comes the step runs again from its start (and from the state it started from) in a fresh
   * process, where this call returns the payload at once. Code before it in the step runs
   * again then: wait first. Past `timeout` (default "7d", at most "30d") the workflow rolls back.
   */
  // A property, not a method, like `fail`: steps destructure it (`run(state, { waitFor })`), which lint refuses for an unbound method.
  waitFor: <T = unknown>(name: string, options?: WaitOptions) => Promise<T>;
}

export interface WaitOptions {
  /** How long to wait; default "7d", at most "30d". */
  timeout?: Duration;
  /** A pull request of the run's repository: an approving review of it by a person with the chore's permission delivers the signal. */
  pullRequest?: number;
}

export interface StepDefinition<S, V = Record<string, unknown>> {
  /** Unique within the workflow: the log, the check and the test helpers name the step by it. */
  name: string;
  /** Changes `state` in place, or returns the new state. */
  run(state: S, context: StepContext<V>): S | void | Promise<S | void>;
  /** Undoes what `run` did, when a later step (or this one) fails. Left out, the step's work stays when the workflow rolls back. */
  rollback?(state: S, context: StepContext<V>): S | void | Promise<S | void>;
  /** How long `run`, and again `rollback`, may take; default the workflow's `stepTimeout`. */
  timeout?: Duration;
}

/** What an observer sees before and after each run and rollback of a step. */
export interface StepEvent<S> {
  step: string;
  direction: StepDirection;
  /** The workflow's state: an observer may change it in place. */
  state: S;
  /** How it ended; only for afterStep. */
  outcome?: StepOutcome;
  /** What went wrong, for afterStep of a step that did not succeed. */
  error?: string;
}

/**
 * Watches every step. A beforeStep that throws vetoes the step (it does not run, and the
 * workflow rolls back); an afterStep runs whatever the outcome, and one that throws fails the
 * step, which then rolls back.
 */
export interface WorkflowObserver<S> {
  beforeStep?(event: StepEvent<S>): void | Promise<void>;
  afterStep?(event: StepEvent<S>): void | Promise<void>;
}

export interface WorkflowDefinition<I extends InputDeclarations = InputDeclarations, S = unknown> {
  description?: string;
  inputs?: I;
  /** The state the first step starts from: a JSON value, or a function of the inputs that returns one. */
  state: S | ((inputs: InputValues<I>) => S);
  steps: readonly StepDefinition<S, InputValues<I>>[];
  observers?: readonly WorkflowObserver<S>[];
  /** Each step's time limit (its run, and again its rollback) unless it names its own; default "5m". */
  stepTimeout?: Duration;
  /** As in defineScript. */
  concurrency?: Concurrency;
  /** The whole run's limit, as in defineScript: when it is reached the running step is stopped and the workflow rolls back. */
  timeout?: Duration;
  env?: readonly string[];
  /** A chore only, as in defineScript. */
  schedule?: ScheduleDefinition;
  /** As in defineScript: each run waits for that many other people's approval before its first step. */
  approval?: ApprovalDefinition;
}
