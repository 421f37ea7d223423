import type { DefinedScript } from "../sdk/define-script.js";
import { initialState } from "../sdk/define-workflow.js";
import { describeWorkflow } from "../sdk/describe-workflow.js";
import { maxStateBytes } from "../sdk/check-state.js";
import type { StepDirection, StepOutcome, StepReport } from "../sdk/protocol.js";
import { fail } from "../sdk/reporter.js";
import { boundedResult } from "../sdk/runtime.js";
import { workflowFailureReason } from "../sdk/workflow-failure-reason.js";
import { runWorkflowSteps, type WorkflowIO } from "../sdk/workflow-engine.js";
import { workflowOf } from "../sdk/workflow-mark.js";
import { judgeWorkflow, type WorkflowVerdict } from "../sdk/workflow-outcome.js";
import type { Captured } from "./capture-client.js";
import { withFailingStep, type FailStep } from "./fail-step.js";
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
}

export interface WorkflowStepRun {
  step: string;
  direction: StepDirection;
  outcome: StepOutcome;
  error: string | null;
}

export interface WorkflowRun extends Captured {
  /** judgeWorkflow's outcome; "failed" when the workflow failed before its first step (its initial state). */
  status: "succeeded" | "rolled_back" | "rollback_failed" | "failed";
  /** The final state as the run records it (JSON), when it succeeded; else null. */
  result: unknown;
  /** Every run and rollback, in order. */
  steps: WorkflowStepRun[];
  /** The same, as names: `["reserve", "charge", "rollback:charge", "rollback:reserve"]`. */
  order: string[];
  /** The last good state. */
  state: unknown;
  /** What failed before the first step, else null. */
  error: unknown;
  /** Where each step stands, as judgeWorkflow says. */
  verdict: WorkflowVerdict;
}

/**
 * Runs a `defineWorkflow` in this process with the workflow engine chorebot runs, without
 * waiting for anything to record the steps, and resolves with its status (from judgeWorkflow),
 * every run and rollback in order, the state, and everything it reported. Never exits the process.
 */
export async function runWorkflow(workflow: DefinedScript, options: RunWorkflowOptions = {}): Promise<WorkflowRun> {
  const definition = workflowOf(workflow);
  if (definition === null) throw new Error("runWorkflow takes a workflow's default export, defineWorkflow({ … }); use runScript for defineScript");
  const steps = withFailingStep(definition.steps, options.failStep);
  const inputs = testInputs(definition.inputs ?? {}, options.inputs ?? {}, "runWorkflow");
  const signal = options.signal ?? new AbortController().signal;
  const limit = options.maxStateBytes ?? maxStateBytes();
  const declared = describeWorkflow(definition).steps;
  const reports: StepReport[] = [];

  const { outcome, captured } = await captureReports(async (reporter) => {
    const context = {
      inputs,
      log: (...args: unknown[]) => reporter.log(...args),
      counter: reporter.counter,
      progress: reporter.progress.bind(reporter),
      fail,
      signal,
    };
    try {
      const initial = initialState(definition, inputs, limit);
      const io: WorkflowIO = {
        log: (line) => reporter.log(line),
        // Nothing records the steps here: no wait.
        report: (report) => {
          reports.push(report);
          return Promise.resolve();
        },
        maxStateBytes: limit,
        runSignal: signal,
      };
      const ran = await runWorkflowSteps({ ...definition, steps }, initial, context, io);
      return { state: ran.state, error: null, failReason: ran.failure === null ? null : workflowFailureReason(declared, ran.reports) };
    } catch (error) {
      return { state: null, error, failReason: error instanceof Error ? error.message : String(error) };
    }
  });

  const verdict = judgeWorkflow(declared, reports);
  const status = outcome.error !== null || verdict.outcome === "incomplete" ? "failed" : verdict.outcome;
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
  };
}
