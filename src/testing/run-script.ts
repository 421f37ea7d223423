import { isDefinedScript, type DefinedScript } from "../sdk/define-script.js";
import { fail, isScriptFailure } from "../sdk/reporter.js";
import { boundedResult } from "../sdk/runtime.js";
import { iterationOf } from "../sdk/iteration-mark.js";
import { workflowOf } from "../sdk/workflow-mark.js";
import type { Captured } from "./capture-client.js";
import { runIterationForTest, type IterationTestOptions, type IterationTestRun } from "./run-iteration.js";
import { captureReports } from "./scoped-reporter.js";
import { testInputs, type RawInputs } from "./test-inputs.js";

export interface RunScriptOptions extends IterationTestOptions {
  /** Raw values by input name, coerced and checked as a real run's are. */
  inputs?: RawInputs;
  /** Handed to the script as ctx.signal: abort it to test how the script stops. */
  signal?: AbortSignal;
}

export interface ScriptRun extends Captured {
  /** `paused`: an iteration asked to pause (pauseAfterBatch) and not to resume. */
  status: "succeeded" | "failed" | "paused";
  /** What `run` returned, as the run records it (JSON, large results cut); null when it failed. */
  result: unknown;
  /** What `run` threw (fail() throws too); null when it succeeded. */
  error: unknown;
  /** For an iteration: what it processed and checkpointed, across the run's processes; null for any other script. */
  iteration: IterationTestRun | null;
}

/**
 * Runs a `defineScript` in this process, as chorebot would run it (inputs coerced, the result
 * as JSON), and resolves with how it went and everything it reported. Never exits the process.
 */
export async function runScript(script: DefinedScript, options: RunScriptOptions = {}): Promise<ScriptRun> {
  if (!isDefinedScript(script)) throw new Error("runScript takes a script's default export, defineScript({ … })");
  if (workflowOf(script) !== null) throw new Error("runScript: this is a workflow: use runWorkflow, which also tells the steps and rollbacks");
  const inputs = testInputs(script.inputs ?? {}, options.inputs ?? {}, "runScript");
  const signal = options.signal ?? new AbortController().signal;
  const iteration = iterationOf(script);
  if (iteration !== null) return runIterationForTest(iteration, inputs, signal, options);
  if (options.interruptAt !== undefined || options.pauseAfterBatch !== undefined)
    throw new Error("runScript: interruptAt and pauseAfterBatch are for iterations");
  const { outcome, captured } = await captureReports(async (reporter) => {
    try {
      const value = await script.run({
        inputs,
        log: (...args) => reporter.log(...args),
        counter: reporter.counter,
        progress: (value) => reporter.progress(value),
        fail,
        signal,
      });
      return { status: "succeeded" as const, result: boundedResult(value), error: null };
    } catch (error) {
      return { status: "failed" as const, result: null, error };
    }
  });
  return { ...outcome, ...captured, failReason: captured.failReason ?? (isScriptFailure(outcome.error) ? outcome.error.message : null), iteration: null };
}
