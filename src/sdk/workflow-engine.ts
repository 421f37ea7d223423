import { checkState } from "./check-state.js";
import type { RunContext } from "./define-script.js";
import { stepTimeoutMs } from "./describe-workflow.js";
import type { Resumption, StepDirection, StepOutcome, StepReport, StepWait } from "./protocol.js";
import { runStepEntry } from "./step-entry.js";
import { walkBack } from "./walk-back.js";
import type { StepDefinition, WorkflowDefinition, WorkflowObserver } from "./workflow-types.js";

/** Where the engine's records go: the reporter and the channel in a run, the test helpers' capture otherwise. */
export interface WorkflowIO {
  log(line: string): void;
  /** Records one run or rollback; resolves once it is persisted (at once where nothing persists it). */
  report(report: StepReport): Promise<void>;
  maxStateBytes: number;
  /** The run's signal: stops the running step, and the walk back starts. */
  runSignal: AbortSignal;
  /** What a step threw, for its stack. */
  thrown?(error: unknown): void;
}

export interface WorkflowRun<S> {
  /** The last good state. */
  state: S;
  reports: StepReport[];
  /** The step whose run did not succeed (the walk back followed), or null. */
  failure: { step: string; error: string } | null;
  /** The step that waits for a signal (the workflow stopped there, to go on in a fresh process), or null. */
  waiting: { step: string; wait: StepWait } | null;
}

type Steps<S, V> = Pick<WorkflowDefinition, "stepTimeout"> & {
  steps: readonly StepDefinition<S, V>[];
  observers?: readonly WorkflowObserver<S>[];
};

/**
 * Runs the steps in order over `initial` (already checked to be JSON), recording each run and
 * each rollback (its state checked, then reported and waited for) before the next starts;
 * when a run does not succeed, walks back (see walkBack). A step that waits for a signal is
 * reported `waiting` with the state it started from, and nothing runs after it.
 *
 * With `resumption` (its state being `initial`), the workflow goes on from it: reports are
 * numbered on from its `seq`; step `from` runs again with its signals, or, with `rollback`,
 * nothing runs and the walk back starts at `from`, as if it had failed.
 */
export async function runWorkflowSteps<S, V>(
  definition: Steps<S, V>,
  initial: S,
  context: RunContext<V>,
  io: WorkflowIO,
  resumption: Omit<Resumption, "state"> | null = null,
): Promise<WorkflowRun<S>> {
  const reports: StepReport[] = [];
  let state = initial;
  let good = JSON.stringify(initial);
  const started = good;
  const firstSeq = (resumption?.seq ?? 0) + 1;
  const fromIndex = resumption === null ? 0 : definition.steps.findIndex((step) => step.name === resumption.from);
  if (fromIndex < 0) throw new Error(`the workflow cannot go on from step ${JSON.stringify(resumption?.from)}: it has no such step`);

  const perform = async (
    step: StepDefinition<S, V>,
    direction: StepDirection,
    signals: Readonly<Record<string, unknown>> = {},
  ): Promise<{ outcome: StepOutcome; error: string | null; wait?: StepWait }> => {
    const end = await runStepEntry({
      signals,
      step,
      direction,
      state,
      observers: definition.observers ?? [],
      timeoutMs: stepTimeoutMs(step.timeout, definition.stepTimeout),
      context,
      runSignal: direction === "run" ? io.runSignal : null,
    });
    let { outcome, error } = end;
    const name = direction === "run" ? `step ${step.name}` : `rollback of ${step.name}`;
    if (end.thrown !== undefined) showThrown(io, end.thrown);
    if (end.abandoned !== null) io.log(`${name}: ${end.abandoned}: abandoned, it may still be running`);
    // A waiting step runs again from where it started: what it changed before it waited is dropped.
    const checked = end.wait !== undefined ? ({ ok: true, json: good } as const) : checkState(end.state, io.maxStateBytes);
    if (checked.ok) {
      good = checked.json;
      // The next step starts from what was recorded: a step left behind, or a callback a step
      // did not wait for, may still change the object it had.
      state = JSON.parse(good) as S;
    } else {
      const problem = `${name} left a state that ${checked.problem}`;
      error = outcome === "succeeded" ? problem : `${error ?? outcome}; ${problem}`;
      if (outcome === "succeeded") outcome = "failed";
      state = JSON.parse(good) as S;
    }
    io.log(`${name}: ${outcome} in ${end.durationMs} ms${error === null ? "" : `: ${error}`}`);
    const report: StepReport = {
      seq: firstSeq + reports.length,
      step: step.name,
      direction,
      outcome,
      startedAt: end.startedAt,
      durationMs: end.durationMs,
      error,
      state: JSON.parse(good),
      ...(reports.length === 0 && resumption === null ? { before: JSON.parse(started) as unknown } : {}),
      ...(end.wait === undefined ? {} : { wait: end.wait }),
    };
    reports.push(report);
    await io.report(report);
    return { outcome, error, ...(end.wait === undefined ? {} : { wait: end.wait }) };
  };
  const rollBack = async (owed: StepDefinition<S, V>): Promise<StepOutcome> => (await perform(owed, "rollback")).outcome;

  // The steps before `from` completed in an earlier process.
  const completed: StepDefinition<S, V>[] = definition.steps.slice(0, fromIndex);
  if (resumption?.rollback != null) {
    const from = definition.steps[fromIndex]!;
    await walkBack(completed, from, "failed", rollBack);
    return { state, reports, failure: { step: from.name, error: resumption.rollback.reason }, waiting: null };
  }
  for (const step of definition.steps.slice(fromIndex)) {
    const signals = step.name === resumption?.from ? resumption.signals : {};
    const { outcome, error, wait } = await perform(step, "run", signals);
    if (outcome === "succeeded") {
      completed.push(step);
      continue;
    }
    if (wait !== undefined) return { state, reports, failure: null, waiting: { step: step.name, wait } };
    await walkBack(completed, step, outcome, rollBack);
    return { state, reports, failure: { step: step.name, error: error ?? outcome }, waiting: null };
  }
  return { state, reports, failure: null, waiting: null };
}

/** Hands on what a step threw, for its stack: a value that cannot be looked at (a revoked proxy) must not stop the walk back. */
function showThrown(io: WorkflowIO, thrown: unknown): void {
  try {
    io.thrown?.(thrown);
  } catch {
    // Its message is in the report already ("thrown: a value that cannot be shown as text").
  }
}
