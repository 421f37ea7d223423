import { checkState, maxStateBytes } from "./check-state.js";
import { checkScriptOptions, SCRIPT_MARK, type DefinedScript, type RunContext } from "./define-script.js";
import { describeWorkflow } from "./describe-workflow.js";
import type { InputDeclarations, InputValues } from "./inputs.js";
import { parseDuration } from "./parse-duration.js";
import { MAX_WORKFLOW_STEPS, type Resumption } from "./protocol.js";
import { getReporter, isScriptFailure } from "./reporter.js";
import { workflowFailureReason } from "./workflow-failure-reason.js";
import { runWorkflowSteps, type WorkflowIO } from "./workflow-engine.js";
import { WORKFLOW_MARK } from "./workflow-mark.js";
import { WorkflowWaiting } from "./workflow-waiting.js";
import type { StepDefinition, WorkflowDefinition, WorkflowObserver } from "./workflow-types.js";

/** The longest step name (the static reader, src/definitions/read-steps.ts, has the same limit). */
export const MAX_STEP_NAME_LENGTH = 100;

/** What defineWorkflow returns: a script whose run is the workflow (its result, the final state), carrying its definition. */
export type DefinedWorkflow<I extends InputDeclarations = InputDeclarations, S = unknown> = DefinedScript<I, S> & {
  readonly [WORKFLOW_MARK]: WorkflowDefinition<I, S>;
};

/**
 * Declares a workflow: `export default defineWorkflow({ state, steps: [step({ name, run,
 * rollback })] })`. Checks the definition at once. Its run goes through the steps in order,
 * recording each; when one fails, it rolls back the failed step and then the completed ones
 * in reverse, and the run fails with what happened.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- `{}` is "no inputs", as in defineScript
export function defineWorkflow<I extends InputDeclarations = {}, S = unknown>(definition: WorkflowInference<I, S>): DefinedWorkflow<I, S> {
  checkWorkflow(definition);
  // Each step frozen too: run and rollback are called as its methods, and a step that renamed itself
  // or grew a rollback through `this` would run what the check did not read.
  const steps = Object.freeze(definition.steps.map((step) => Object.freeze({ ...step })));
  const workflow = Object.freeze({ ...definition, steps, observers: Object.freeze([...(definition.observers ?? [])]) });
  const run = (context: RunContext<InputValues<I>>): Promise<S> => runWorkflow(workflow, context, null);
  const { description, inputs, concurrency, timeout, env, schedule, approval } = definition;
  return Object.freeze({ description, inputs, concurrency, timeout, env, schedule, approval, run, [SCRIPT_MARK]: true as const, [WORKFLOW_MARK]: workflow });
}

/**
 * WorkflowDefinition, with the state's type taken from `state` alone (NoInfer elsewhere), so
 * that `steps: [step({ run(state) {…} })]` gets it without annotations.
 */
export type WorkflowInference<I extends InputDeclarations, S> = Omit<WorkflowDefinition<I, S>, "steps" | "observers"> & {
  steps: readonly StepDefinition<NoInfer<S>, InputValues<I>>[];
  observers?: readonly WorkflowObserver<NoInfer<S>>[];
};

/** Types a step for a workflow: `step({ name, run(state, ctx) {…}, rollback(state, ctx) {…} })`. */
export function step<S, V = Record<string, unknown>>(definition: StepDefinition<S, V>): StepDefinition<S, V> {
  return definition;
}

/** The state the first step gets: a deep copy of `state`, or what `state(inputs)` returns; JSON either way. */
export function initialState<I extends InputDeclarations, S>(definition: WorkflowDefinition<I, S>, inputs: InputValues<I>, maxBytes: number): S {
  const state = typeof definition.state === "function" ? (definition.state as (inputs: InputValues<I>) => S)(inputs) : definition.state;
  const checked = checkState(state, maxBytes);
  if (!checked.ok) throw new Error(`the workflow's initial state ${checked.problem}`);
  return JSON.parse(checked.json) as S;
}

/**
 * A workflow's run in a chorebot process: from its first step, or from `resumption` (already
 * checked, see readResumption). Resolves with the final state; fails the run after a walk back;
 * throws WorkflowWaiting once a step was reported waiting.
 */
export async function runWorkflow<I extends InputDeclarations, S>(
  definition: WorkflowDefinition<I, S>,
  context: RunContext<InputValues<I>>,
  resumption: Resumption | null,
): Promise<S> {
  const limit = maxStateBytes();
  const reporter = getReporter();
  const io: WorkflowIO = {
    log: (line) => context.log(line),
    report: (report) => reporter.sendStep(report),
    maxStateBytes: limit,
    runSignal: context.signal,
    thrown: (error) => {
      if (error instanceof Error && !isScriptFailure(error)) process.stderr.write(`${error.stack ?? error.message}\n`);
    },
  };
  const initial = resumption === null || !("state" in resumption) ? initialState(definition, context.inputs, limit) : (resumption.state as S);
  const ran = await runWorkflowSteps(definition, initial, context, io, resumption);
  if (ran.waiting !== null) throw new WorkflowWaiting(ran.waiting.step, ran.waiting.wait);
  // After a person's (or a wait's timeout's) Roll back, the reason is theirs.
  if (ran.failure !== null) context.fail(resumption?.rollback?.reason ?? workflowFailureReason(describeWorkflow(definition).steps, ran.reports));
  return ran.state;
}

function checkWorkflow(definition: WorkflowDefinition<InputDeclarations, unknown>): void {
  if (typeof definition !== "object" || definition === null) throw new Error("defineWorkflow takes one object: defineWorkflow({ state, steps })");
  checkScriptOptions(definition, "defineWorkflow");
  if (!("state" in definition)) throw new Error("defineWorkflow: `state` is required: the JSON value the first step starts from, or a function of the inputs");
  if (typeof definition.state !== "function") {
    const checked = checkState(definition.state, Infinity);
    if (!checked.ok) throw new Error(`defineWorkflow: the state ${checked.problem}`);
  }
  const { steps } = definition;
  if (!Array.isArray(steps) || steps.length === 0) throw new Error("defineWorkflow: `steps` must be a non-empty array of step({ name, run })");
  if (steps.length > MAX_WORKFLOW_STEPS) throw new Error(`defineWorkflow: ${steps.length} steps, over the limit of ${MAX_WORKFLOW_STEPS}: split the workflow`);
  const names = new Set<string>();
  for (let i = 0; i < steps.length; i++) {
    const step: unknown = steps[i];
    const where = `defineWorkflow: steps[${i}]`;
    if (typeof step !== "object" || step === null) throw new Error(`${where} is not a step: write step({ name, run })`);
    const { name, run, rollback, timeout } = step as Partial<StepDefinition<unknown>>;
    if (typeof name !== "string" || name.trim() === "") throw new Error(`${where}: \`name\` must be a non-empty string`);
    if (name.length > MAX_STEP_NAME_LENGTH) throw new Error(`${where}: the name is ${name.length} characters long: at most ${MAX_STEP_NAME_LENGTH}`);
    if (/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(name)) {
      throw new Error(`${where}: the name must be plain text on one line: no line breaks, control or invisible formatting characters`);
    }
    if (names.has(name)) throw new Error(`${where}: the name ${JSON.stringify(name)} is used twice: step names must be unique`);
    names.add(name);
    if (typeof run !== "function") throw new Error(`${where} (${name}): \`run\` must be a function`);
    // Written but undefined (`rollback: handlers.undo`) is refused too: the check read a rollback there.
    if (Object.hasOwn(step, "rollback") && typeof rollback !== "function") {
      throw new Error(`${where} (${name}): \`rollback\` must be a function when present; leave it out for a step without one`);
    }
    if (timeout !== undefined) parseDuration(timeout);
  }
  if (definition.stepTimeout !== undefined) parseDuration(definition.stepTimeout);
  const observers: unknown = definition.observers ?? [];
  if (!Array.isArray(observers)) throw new Error("defineWorkflow: `observers` must be an array of { beforeStep, afterStep }");
  observers.forEach((observer: unknown, i) => {
    if (typeof observer !== "object" || observer === null)
      throw new Error(`defineWorkflow: observers[${i}] must be an object with beforeStep and/or afterStep`);
    for (const hook of ["beforeStep", "afterStep"] as const) {
      const fn = (observer as Record<string, unknown>)[hook];
      if (fn !== undefined && typeof fn !== "function") throw new Error(`defineWorkflow: observers[${i}].${hook} must be a function`);
    }
  });
}
