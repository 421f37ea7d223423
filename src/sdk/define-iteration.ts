import { checkScriptOptions, SCRIPT_MARK, type DefinedScript, type RunContext, type ScriptDefinition } from "./define-script.js";
import { describeIteration } from "./describe-iteration.js";
import type { InputDeclarations, InputValues } from "./inputs.js";
import { csvInputOf, ITERATION_MARK } from "./iteration-mark.js";
import type { IterationDefinition } from "./iteration-types.js";
import { runIteration, type IterationResult } from "./run-iteration.js";

/** What defineScript takes for an iteration: the script's options, `collection` and `process` instead of `run`. */
export type IterationScriptDefinition<I extends InputDeclarations, T, C> = Omit<ScriptDefinition<I>, "run"> &
  IterationDefinition<T, C, InputValues<I>> & { run?: undefined };

/** What defineScript returns for an iteration: a script whose run goes through the collection (its result, `{ processed }`), carrying its definition. */
export type DefinedIteration<I extends InputDeclarations = InputDeclarations, T = unknown, C = unknown> = DefinedScript<I, IterationResult> & {
  readonly [ITERATION_MARK]: IterationScriptDefinition<I, T, C>;
};

/** Whether defineScript was given an iteration (`collection` or `process`) rather than a `run`. */
export function isIterationDefinition(definition: object): boolean {
  return Object.hasOwn(definition, "collection") || Object.hasOwn(definition, "process");
}

/** defineScript for an iteration: checked at once, frozen, marked; its run goes through the collection from the start. */
export function defineIteration<I extends InputDeclarations, T, C>(definition: IterationScriptDefinition<I, T, C>): DefinedIteration<I, T, C> {
  checkIteration(definition as unknown as IterationScriptDefinition<InputDeclarations, unknown, unknown>);
  const iteration = Object.freeze({ ...definition });
  const run = (context: RunContext<InputValues<I>>): Promise<IterationResult> => runIteration(iteration, context, null);
  return Object.freeze({ ...iteration, run, [SCRIPT_MARK]: true as const, [ITERATION_MARK]: iteration });
}

function checkIteration(definition: IterationScriptDefinition<InputDeclarations, unknown, unknown>): void {
  if (Object.hasOwn(definition, "run")) {
    throw new Error("defineScript: give either `run` (a script) or `collection` and `process` (an iteration), not both");
  }
  if (typeof definition.collection !== "function") {
    throw new Error('defineScript: `collection` must be a function that yields { item, cursor } (an async generator), or csvRows("input")');
  }
  if (typeof definition.process !== "function") throw new Error("defineScript: an iteration needs `process`, the function that handles one item");
  checkScriptOptions(definition, "defineScript");
  try {
    describeIteration(definition);
  } catch (error) {
    throw new Error(`defineScript: ${(error as Error).message}`, { cause: error });
  }
  const csv = csvInputOf(definition.collection);
  if (csv !== null && definition.inputs?.[csv]?.kind !== "file") {
    throw new Error(`defineScript: csvRows(${JSON.stringify(csv)}) reads the file input ${JSON.stringify(csv)}: declare it, inputs: { ${csv}: file() }`);
  }
}
