// The script SDK: `import { defineScript, defineWorkflow, step, string, int, log } from "chorebot"`.
export { defineScript } from "./define-script.js";
export type { ApprovalDefinition, DefinedScript, RunContext, ScriptDefinition } from "./define-script.js";
export { defineWorkflow, step } from "./define-workflow.js";
export type { DefinedWorkflow } from "./define-workflow.js";
export type { StepContext, StepDefinition, StepEvent, WaitOptions, WorkflowDefinition, WorkflowObserver } from "./workflow-types.js";
export type { Concurrency } from "./protocol.js";
export { bool, file, float, int, string } from "./inputs.js";
export type { BoolOptions, FileOptions, Input, InputValues, NumberOptions, StringOptions, Validator } from "./inputs.js";
export { counter, fail, log, progress } from "./reporter.js";
export type { Counter, ProgressValue } from "./reporter.js";
export { parseDuration } from "./parse-duration.js";
export type { Duration } from "./parse-duration.js";
export { csvRows } from "./csv-rows.js";
export type { CsvRow } from "./csv-rows.js";
export type { Collection, CollectionArgs, CollectionEntry, IterationDefinition } from "./iteration-types.js";
export type { DefinedIteration, IterationScriptDefinition } from "./define-iteration.js";
export type { IterationResult } from "./run-iteration.js";
