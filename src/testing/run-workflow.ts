import type { DefinedScript } from "../sdk/define-script.js";
import { initialState } from "../sdk/define-workflow.js";
import { describeWorkflow } from "../sdk/describe-workflow.js";
import { maxStateBytes } from "../sdk/check-state.js";
import { formatDuration } from "../sdk/format-duration.js";
import type { Resumption, StepDirection, StepOutcome, StepReport } from "../sdk/protocol.js";
import { fail } from "../sdk/reporter.js";
import { boundedResult } from "../sdk/runtime.js";
import { workflowFailureReason } from "../sdk/workflow-failure-reason.js";
import { runWorkflowSteps, type WorkflowIO } from "../sdk/workflow-engine.js";
import { workflowOf } from "../sdk/workflow-mark.js";
import { judgeWorkflow, type WorkflowVerdict } from "../sdk/workflow-outcome.js";
import type { Captured } from "./capture-client.js";
import { withFailingStep, type FailStep } from "./fail-step.js";
import { isLostWorker, losingRecorder } from "./lose-step.js";
import { captureReports } from "./scoped-reporter.js";
import { testInputs, type RawInputs } from "./test-inputs.js";

export interface RunWorkflowOptions {
  /** Raw values by input name, coerced and checked as a real run's are. */
  inputs?: RawInputs;
  /** Makes a step's run (or, with direction "rollback", its rollback) throw instead of running. */
  failStep?: FailStep;
  /** The run's signal: abort it to test a cancel (the running step is cancelled, the walk back follows). */
  signal?: AbortSignal;
  /** The state's limit in bytes; default CHOREBOT_MAX_STATE_BYTES, else 1 MiB, as in a run. */
  maxStateBytes?: number;
  /**
   * Payloads by signal name, delivered to waits as a real run's are: a step that waits for one
   * of them runs again from its start, from the state it started from, and its waitFor returns
   * the payload. A wait for a signal not given leaves the workflow `waiting` (see waitingFor).
   */
  signals?: Record<string, unknown>;
  /** A wait for a signal not in `signals` times out: the workflow rolls back from the waiting step (its own rollback first). */
  timeoutWait?: boolean;
  /** Simulates the worker lost during this step's run: the step ran, but its record was never saved. */
  loseStep?: string;
  /**
   * The person's choice after `loseStep`: "resume" runs the lost step again (from the state it
   * started from) and goes on; "rollback" runs its rollback, if it has one, then the completed
   * steps' in reverse. Left out, the workflow ends `interrupted`.
   */
  decision?: "resume" | "rollback";
}

export interface WorkflowStepRun {
  step: string;
  direction: StepDirection;
  outcome: StepOutcome;
  error: string | null;
}

/** A wait a step reported, and how it ended in this test. */
export interface WorkflowWait {
  step: string;
  signal: string;
  timeoutMs: number;
  pullRequest: number | null;
  /** "signalled" (the payload was given), "timed_out" (timeoutWait), or "waiting" (the workflow ended there). */
  ended: "signalled" | "timed_out" | "waiting";
}

export interface WorkflowRun extends Captured {
  /**
   * judgeWorkflow's outcome; "failed" when the workflow failed before its first step (its
   * initial state), "waiting" when a step waits for a signal not given, "interrupted" when a
   * step was lost (loseStep) and no decision was given.
   */
  status: "succeeded" | "rolled_back" | "rollback_failed" | "failed" | "waiting" | "interrupted";
  /** The final state as the run records it (JSON), when it succeeded; else null. */
  result: unknown;
  /** Every run and rollback, in order, across every process the run took (a step that waited appears once `waiting`, then again). */
  steps: WorkflowStepRun[];
  /** The same, as names: `["reserve", "charge", "rollback:charge", "rollback:reserve"]`. */
  order: string[];
  /** The last good state. */
  state: unknown;
  /** What failed before the first step, else null. */
  error: unknown;
  /** Where each step stands, as judgeWorkflow says. */
  verdict: WorkflowVerdict;
  /** Every wait, in order. */
  waits: WorkflowWait[];
  /** What the workflow waits for, when its status is `waiting`; else null. */
  waitingFor: { step: string; signal: string; timeoutMs: number } | null;
  /** The step that was lost, when the status is `interrupted`; else null. */
  interruptedAt: string | null;
}

// A workflow whose steps wait for signal after signal: far more processes than any real one takes.
const MAX_PROCESSES = 100;

/**
 * Runs a `defineWorkflow` in this process with the workflow engine chorebot runs, without
 * waiting for anything to record the steps, and resolves with its status (from judgeWorkflow),
 * every run and rollback in order, the state, and everything it reported. Waits, lost steps and
 * the decisions after them go on from a Resumption, as in a fresh process of a real run. Never
 * exits the process.
 */
export async function runWorkflow(workflow: DefinedScript, options: RunWorkflowOptions = {}): Promise<WorkflowRun> {
  const definition = workflowOf(workflow);
  if (definition === null) throw new Error("runWorkflow takes a workflow's default export, defineWorkflow({ … }); use runScript for defineScript");
  const steps = withFailingStep(definition.steps, options.failStep);
  if (options.loseStep !== undefined && !steps.some((step) => step.name === options.loseStep)) {
    throw new Error(`runWorkflow: loseStep: no step named ${JSON.stringify(options.loseStep)} (the steps are ${steps.map((step) => step.name).join(", ")})`);
  }
  const inputs = testInputs(definition.inputs ?? {}, options.inputs ?? {}, "runWorkflow");
  const signal = options.signal ?? new AbortController().signal;
  const limit = options.maxStateBytes ?? maxStateBytes();
  const declared = describeWorkflow(definition).steps;
  const given = options.signals ?? {};
  const reports: StepReport[] = [];
  const waits: WorkflowWait[] = [];
  let interruptedAt: string | null = null;

  const { outcome, captured } = await captureReports(async (reporter) => {
    const context = {
      inputs,
      log: (...args: unknown[]) => reporter.log(...args),
      counter: reporter.counter,
      progress: reporter.progress.bind(reporter),
      fail,
      signal,
    };
    const io: WorkflowIO = {
      log: (line) => reporter.log(line),
      // Nothing records the steps here: no wait.
      report: losingRecorder(options.loseStep, (report) => reports.push(report)),
      maxStateBytes: limit,
      runSignal: signal,
    };
    try {
      let state = initialState(definition, inputs, limit);
      let resumption: Resumption | null = null;
      for (let processes = 1; ; processes++) {
        if (processes > MAX_PROCESSES)
          throw new Error(`runWorkflow: the workflow went on in ${MAX_PROCESSES} processes without ending: a step waits again and again`);
        let ran;
        try {
          ran = await runWorkflowSteps({ ...definition, steps }, state, context, io, resumption);
        } catch (error) {
          if (!isLostWorker(error)) throw error;
          // The next process starts from the last record saved: the lost step runs again from the state it started from.
          const point = resumePoint(reports, state, resumption);
          if (options.decision === undefined) {
            interruptedAt = error.step;
            return { state: point.state, error: null, failReason: null };
          }
          const rollback = options.decision === "rollback" ? { reason: `rolled back after step ${error.step} was interrupted` } : null;
          ({ state, resumption } = next(point, error.step, {}, rollback));
          continue;
        }
        if (ran.waiting === null) {
          const failReason = ran.failure === null ? null : (resumption?.rollback?.reason ?? workflowFailureReason(declared, reports));
          return { state: ran.state, error: null, failReason };
        }
        const { step, wait } = ran.waiting;
        const delivered = Object.hasOwn(given, wait.signal);
        const timedOut = !delivered && options.timeoutWait === true;
        waits.push({ step, ...wait, ended: delivered ? "signalled" : timedOut ? "timed_out" : "waiting" });
        if (!delivered && !timedOut) return { state: ran.state, error: null, failReason: null };
        // Signals delivered to this step before stay delivered while it runs again.
        const earlier = resumption?.from === step ? resumption.signals : {};
        const point = resumePoint(reports, state, resumption);
        const rollback = timedOut ? { reason: `waiting for ${wait.signal} timed out after ${formatDuration(wait.timeoutMs)}` } : null;
        ({ state, resumption } = next(point, step, delivered ? { ...earlier, [wait.signal]: structuredClone(given[wait.signal]) } : {}, rollback));
      }
    } catch (error) {
      return { state: null, error, failReason: error instanceof Error ? error.message : String(error) };
    }
  });

  const verdict = judgeWorkflow(declared, reports);
  const waiting = verdict.outcome === "waiting" ? waits.at(-1) : undefined;
  const status = outcome.error !== null ? "failed" : interruptedAt !== null ? "interrupted" : verdict.outcome === "incomplete" ? "failed" : verdict.outcome;
  return {
    ...captured,
    // The run's reason, as the workflow gives it once the walk back is done (not a step's own fail()).
    failReason: outcome.failReason,
    status,
    result: status === "succeeded" ? boundedResult(outcome.state) : null,
    steps: reports.map(({ step, direction, outcome: stepOutcome, error }) => ({ step, direction, outcome: stepOutcome, error })),
    order: reports.map(({ step, direction }) => (direction === "run" ? step : `rollback:${step}`)),
    state: outcome.state,
    error: outcome.error,
    verdict,
    waits,
    waitingFor: waiting === undefined ? null : { step: waiting.step, signal: waiting.signal, timeoutMs: waiting.timeoutMs },
    interruptedAt,
  };
}

/**
 * Where the next process starts, as the worker saves it (the ledger's resume point): the last
 * recorded report's seq and state (a waiting step's is the state it started from), or, before
 * any, where this process started.
 */
function resumePoint(reports: readonly StepReport[], started: unknown, resumption: Resumption | null): { seq: number; state: unknown } {
  const last = reports.at(-1);
  return last === undefined ? { seq: resumption?.seq ?? 0, state: started } : { seq: last.seq, state: last.state };
}

function next(
  point: { seq: number; state: unknown },
  from: string,
  signals: Record<string, unknown>,
  rollback: { reason: string } | null,
): { state: never; resumption: Resumption } {
  // A fresh copy, as a fresh process reads it from JSON.
  const state = JSON.parse(JSON.stringify(point.state)) as never;
  return { state, resumption: { from, state, seq: point.seq, signals, rollback } };
}
