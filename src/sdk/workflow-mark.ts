import type { InputDeclarations } from "./inputs.js";
import type { WorkflowDefinition } from "./workflow-types.js";

/** Marks a defineWorkflow() result with its definition, across copies of the SDK (Symbol.for is process-wide). */
export const WORKFLOW_MARK: unique symbol = Symbol.for("chorebot.workflow") as never;

/** The workflow definition a defineWorkflow() result carries, or null for anything else. */
export function workflowOf(value: unknown): WorkflowDefinition<InputDeclarations, unknown> | null {
  if (typeof value !== "object" || value === null) return null;
  const definition = (value as Record<symbol, unknown>)[WORKFLOW_MARK];
  return typeof definition === "object" && definition !== null ? (definition as WorkflowDefinition<InputDeclarations, unknown>) : null;
}
