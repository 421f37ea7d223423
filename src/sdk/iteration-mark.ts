import type { InputDeclarations, InputValues } from "./inputs.js";
import type { IterationDefinition } from "./iteration-types.js";

/** Marks an iteration's defineScript() result with its definition, across copies of the SDK (Symbol.for is process-wide). */
export const ITERATION_MARK: unique symbol = Symbol.for("chorebot.iteration") as never;

/** Marks a csvRows() collection with the name of its file input. */
export const CSV_MARK: unique symbol = Symbol.for("chorebot.csv-rows") as never;

export type AnyIteration = IterationDefinition<unknown, unknown, InputValues<InputDeclarations>> & { inputs?: InputDeclarations };

/** The iteration definition a defineScript() result carries, or null for anything else. */
export function iterationOf(value: unknown): AnyIteration | null {
  if (typeof value !== "object" || value === null) return null;
  const definition = (value as Record<symbol, unknown>)[ITERATION_MARK];
  return typeof definition === "object" && definition !== null ? (definition as AnyIteration) : null;
}

/** The file input a csvRows() collection reads, or null for any other collection. */
export function csvInputOf(collection: unknown): string | null {
  if (typeof collection !== "function") return null;
  const name = (collection as unknown as Record<symbol, unknown>)[CSV_MARK];
  return typeof name === "string" ? name : null;
}
