import { checkState } from "./check-state.js";
import type { RunContext } from "./define-script.js";
import { stepTimeoutMs } from "./describe-workflow.js";
import type { StepDirection, StepOutcome, StepReport } from "./protocol.js";
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
}

type Steps<S, V> = Pick<WorkflowDefinition, "stepTimeout"> & {
  steps: readonly StepDefinition<S, V>[];
  observers?: readonly WorkflowObserver<S>[];
};

/**
 * Runs the steps in order over `initial` (already checked to be JSON), recording each run and
 * each rollback (its state checked, then reported and waited for) before the next starts;
 * when a run does not succeed, walks back (see walkBack).
 */
export async function runWorkflowSteps<S, V>(definition: Steps<S, V>, initial: S, context: RunContext<V>, io: WorkflowIO): Promise<WorkflowRun<S>> {
  const reports: StepReport[] = [];
  let state = initial;
  let good = JSON.stringify(initial);
  const started = good;

  const perform = async (step: StepDefinition<S, V>, direction: StepDirection): Promise<{ outcome: StepOutcome; error: string | null }> => {
    const end = await runStepEntry({
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
    const checked = checkState(end.state, io.maxStateBytes);
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
      seq: reports.length + 1,
      step: step.name,
      direction,
      outcome,
      startedAt: end.startedAt,
      durationMs: end.durationMs,
      error,
      state: JSON.parse(good),
      ...(reports.length === 0 ? { before: JSON.parse(started) as unknown } : {}),
    };
    reports.push(report);
    await io.report(report);
    return { outcome, error };
  };

  const completed: StepDefinition<S, V>[] = [];
  for (const step of definition.steps) {
    const { outcome, error } = await perform(step, "run");
    if (outcome === "succeeded") {
      completed.push(step);
      continue;
    }
    await walkBack(completed, step, outcome, async (owed) => (await perform(owed, "rollback")).outcome);
    return { state, reports, failure: { step: step.name, error: error ?? outcome } };
  }
  return { state, reports, failure: null };
}

/** Hands on what a step threw, for its stack: a value that cannot be looked at (a revoked proxy) must not stop the walk back. */
function showThrown(io: WorkflowIO, thrown: unknown): void {
  try {
    io.thrown?.(thrown);
  } catch {
    // Its message is in the report already ("thrown: a value that cannot be shown as text").
  }
}
