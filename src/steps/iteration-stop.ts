import type { ExecutionResult } from "../run-types.js";

/**
 * How an iteration's attempt stopped short, when it may go on from its checkpoint at a
 * person's Resume (it is then parked `interrupted`, and is not over): lost after it started
 * (`interrupted`), or failed (an item threw, a bad cursor, the collection threw) or timed out
 * once its process ran. Null otherwise: it finished, was cancelled, or never started (node
 * could not start). Only for an iteration's execution: the caller knows it is one.
 */
export function iterationStop(execution: ExecutionResult): { failure: string | null } | null {
  if (execution.status === "interrupted") return { failure: null };
  if (execution.status === "timed_out") return { failure: execution.message ?? "timed out" };
  const ran = execution.exitCode !== null || execution.signal !== null || execution.report?.iteration !== undefined;
  if (execution.status === "failed" && ran) return { failure: execution.message ?? "failed" };
  return null;
}
