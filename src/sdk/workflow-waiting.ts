import type { StepWait } from "./protocol.js";

const WAITING = Symbol.for("chorebot.workflow-waiting");

/**
 * Thrown out of a workflow's run once a step was reported waiting (and the report acked): the
 * runtime then ends the process with exit code 0 and no result; the run goes on in a fresh one.
 */
export class WorkflowWaiting extends Error {
  readonly [WAITING] = true;
  constructor(
    readonly step: string,
    readonly wait: StepWait,
  ) {
    super(`step ${step} waits for the signal ${wait.signal}`);
    this.name = "WorkflowWaiting";
  }
}

export function isWorkflowWaiting(error: unknown): error is WorkflowWaiting {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[WAITING] === true;
}
