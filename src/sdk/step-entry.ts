import type { RunContext } from "./define-script.js";
import type { StepDirection, StepOutcome, StepWait } from "./protocol.js";
import { ScriptFailure } from "./reporter.js";
import { STOP_SETTLE_MS, StepTimer, type Bounded } from "./step-timer.js";
import { stepWaits } from "./wait-for.js";
import type { StepContext, StepDefinition, StepEvent, WorkflowObserver } from "./workflow-types.js";

export interface StepEntry<S, V> {
  step: StepDefinition<S, V>;
  direction: StepDirection;
  state: S;
  observers: readonly WorkflowObserver<S>[];
  timeoutMs: number;
  context: RunContext<V>;
  /** The run's signal for a run; null for a rollback, which goes on when the run is stopped. */
  runSignal: AbortSignal | null;
  /** The signals delivered to this run of the step: waitFor(name) returns signals[name] at once. */
  signals: Readonly<Record<string, unknown>>;
}

export interface EntryEnd<S> {
  outcome: StepOutcome;
  error: string | null;
  /** What the step threw (for its stack), when it threw. */
  thrown?: unknown;
  /** The state after it and its observers, unchecked. */
  state: S;
  startedAt: string;
  durationMs: number;
  /** Set when the step or an observer was still going at the deadline and was left behind. */
  abandoned: string | null;
  /** Outcome `waiting` only: what its waitFor waits for (its state is then meaningless: it runs again from where it started). */
  wait?: StepWait;
}

/**
 * One run or rollback of a step: its beforeStep observers (one that throws or overruns vetoes
 * it), the step itself, then its afterStep observers, whatever the outcome (one that throws or
 * overruns fails a step that succeeded), all within the step's time limit.
 */
export async function runStepEntry<S, V>(entry: StepEntry<S, V>): Promise<EntryEnd<S>> {
  const { step, direction, observers, timeoutMs } = entry;
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const timer = new StepTimer(timeoutMs, entry.runSignal);
  let state = entry.state;
  let outcome: StepOutcome = "succeeded";
  let error: string | null = null;
  let thrown: unknown;
  let abandoned: string | null = null;
  let wait: StepWait | undefined;
  const overran = (what: string): string =>
    timer.expired ? `${what} did not finish within ${timeoutMs} ms` : `${what} did not stop within ${STOP_SETTLE_MS} ms of the run being stopped`;

  for (const observer of observers) {
    if (typeof observer.beforeStep !== "function") continue;
    const event: StepEvent<S> = { step: step.name, direction, state };
    const ended = await timer.race(() => observer.beforeStep?.(event));
    state = event.state;
    if (ended.kind === "returned") continue;
    outcome = "vetoed";
    error = ended.kind === "threw" ? `beforeStep: ${messageOf(ended.error)}` : overran("a beforeStep observer");
    if (ended.kind === "unsettled") abandoned = error;
    break;
  }

  if (outcome === "succeeded" && timer.stoppedBy !== null) {
    outcome = "vetoed";
    error = `the run was stopped (${timer.stoppedBy}) before it started`;
  }

  if (outcome === "succeeded") {
    // fail() in a step fails the step, not the run: the run's reason comes once the walk back is done.
    const waits = stepWaits(direction, entry.signals);
    const context = { ...entry.context, step: step.name, signal: timer.signal, fail: stepFailure, waitFor: waits.waitFor as StepContext<V>["waitFor"] };
    // A wait ends the step at once: what the step does after (or instead of awaiting it) does not count.
    const ended = await Promise.race([
      timer.race(() => (direction === "run" ? step.run(state, context) : step.rollback?.(state, context))),
      waits.parked.then((): Bounded<S | void | undefined> => ({ kind: "returned", value: undefined })),
    ]);
    if (ended.kind === "returned" && ended.value !== undefined) state = ended.value;
    if (ended.kind === "threw") thrown = ended.error;
    if (ended.kind === "unsettled") abandoned = overran(direction === "run" ? "the step" : "the rollback");
    if (timer.stoppedBy !== null) {
      outcome = "cancelled";
      error = timer.stoppedBy;
    } else if (ended.kind === "unsettled") {
      outcome = "timed_out";
      error = abandoned;
    } else if (waits.misuse !== null) {
      // Even when the step caught it: a wait it asked for wrongly must not pass unnoticed.
      outcome = "failed";
      error = waits.misuse;
    } else if (waits.wait !== null) {
      outcome = "waiting";
      wait = waits.wait;
    } else if (ended.kind === "threw") {
      outcome = "failed";
      error = messageOf(ended.error);
    }
  }

  for (const observer of observers) {
    if (typeof observer.afterStep !== "function") continue;
    const event: StepEvent<S> = { step: step.name, direction, state, outcome, ...(error === null ? {} : { error }) };
    const ended = await timer.race(() => observer.afterStep?.(event));
    state = event.state;
    if (ended.kind === "unsettled") abandoned ??= overran("an afterStep observer");
    if (ended.kind === "returned" || outcome !== "succeeded") continue;
    outcome = ended.kind === "threw" ? "failed" : "timed_out";
    error = ended.kind === "threw" ? `afterStep: ${messageOf(ended.error)}` : overran("an afterStep observer");
  }

  timer.dispose();
  return {
    outcome,
    error,
    ...(thrown === undefined ? {} : { thrown }),
    state,
    startedAt,
    durationMs: Math.round(performance.now() - started),
    abandoned,
    ...(wait === undefined ? {} : { wait }),
  };
}

function stepFailure(reason: string): never {
  throw new ScriptFailure(String(reason));
}

// A report is one line on the channel, beside a state that may be as large as its limit: the
// worker drops a longer line unread and never acks it, which would hold the run until its timeout.
const MAX_ERROR_CHARS = 4096;

function messageOf(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? String(error.message) : `thrown: ${String(error)}`;
  } catch {
    text = "thrown: a value that cannot be shown as text";
  }
  return text.length <= MAX_ERROR_CHARS ? text : `${text.slice(0, MAX_ERROR_CHARS)}… [${text.length - MAX_ERROR_CHARS} more characters]`;
}
