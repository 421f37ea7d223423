import { parseDuration, type Duration } from "./parse-duration.js";
import { DEFAULT_STEP_TIMEOUT_MS, type WorkflowDescription } from "./protocol.js";
import { workflowOf } from "./workflow-mark.js";

/** The workflow's steps as describeScript reports them, or null when `script` is not a defineWorkflow(). */
export function describeWorkflowOf(script: unknown): WorkflowDescription | null {
  const definition = workflowOf(script);
  return definition === null ? null : describeWorkflow(definition);
}

/**
 * Each step's name, whether it has a rollback, and its time limit: its `timeout`, else the
 * workflow's `stepTimeout`, else DEFAULT_STEP_TIMEOUT_MS. The static reader
 * (src/definitions) derives the same from the source, by this same rule.
 */
export function describeWorkflow(definition: {
  steps: readonly { name: string; rollback?: unknown; timeout?: Duration }[];
  stepTimeout?: Duration;
}): WorkflowDescription {
  return {
    steps: definition.steps.map((step) => ({
      name: step.name,
      rollback: typeof step.rollback === "function",
      timeoutMs: stepTimeoutMs(step.timeout, definition.stepTimeout),
    })),
  };
}

/** A step's time limit in milliseconds, by the rule above. */
export function stepTimeoutMs(own: Duration | undefined, workflow: Duration | undefined): number {
  const timeout = own ?? workflow;
  return timeout === undefined ? DEFAULT_STEP_TIMEOUT_MS : parseDuration(timeout);
}
