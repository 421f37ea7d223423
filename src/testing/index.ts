// Test helpers for scripts and workflows: `import { runScript, runWorkflow } from "chorebot/testing"`.
export { runScript } from "./run-script.js";
export type { RunScriptOptions, ScriptRun } from "./run-script.js";
export { runWorkflow } from "./run-workflow.js";
export type { RunWorkflowOptions, WorkflowRun, WorkflowStepRun, WorkflowWait } from "./run-workflow.js";
export type { FailStep } from "./fail-step.js";
export type { RawInputs } from "./test-inputs.js";
export type { IterationTestOptions, IterationTestRun } from "./run-iteration.js";
