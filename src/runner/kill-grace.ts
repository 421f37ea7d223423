import type { WorkflowDescription } from "../sdk/protocol.js";

/** Between SIGTERM and SIGKILL for a script that is not a workflow (and on top of a workflow's rollbacks). */
export const DEFAULT_KILL_GRACE_MS = 5000;
/** However many rollbacks a workflow has, it is killed at most this long after it was told to stop. */
export const MAX_KILL_GRACE_MS = 60 * 60 * 1000;

/**
 * How long a stopped script (its timeout, a cancel, the worker's shutdown) has between SIGTERM
 * and SIGKILL: for a workflow, time for every rollback it declares to run to its own timeout
 * (the sum of the timeouts of its steps that have one) plus DEFAULT_KILL_GRACE_MS, at most
 * MAX_KILL_GRACE_MS; for any other script, DEFAULT_KILL_GRACE_MS.
 */
export function killGraceMs(workflow: WorkflowDescription | null | undefined): number {
  if (!workflow) return DEFAULT_KILL_GRACE_MS;
  const rollbacks = workflow.steps.reduce((sum, step) => sum + (step.rollback ? Math.max(0, step.timeoutMs) : 0), 0);
  return Math.min(MAX_KILL_GRACE_MS, rollbacks + DEFAULT_KILL_GRACE_MS);
}
