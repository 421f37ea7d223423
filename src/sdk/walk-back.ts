import type { StepOutcome } from "./protocol.js";

/**
 * The walk back after `failed` (the step whose run did not succeed) among the steps that
 * completed before it, in order: the failed step's own rollback first (not when it was vetoed:
 * it never ran), then the completed steps in reverse. Steps without a rollback are passed
 * over; a rollback that does not succeed stops the walk. `rollBack` runs and records one.
 */
export async function walkBack<T extends { rollback?: unknown }>(
  completed: readonly T[],
  failed: T,
  failedOutcome: StepOutcome,
  rollBack: (step: T) => Promise<StepOutcome>,
): Promise<void> {
  const owed = [...(failedOutcome === "vetoed" ? [] : [failed]), ...[...completed].reverse()];
  for (const step of owed) {
    if (typeof step.rollback !== "function") continue;
    if ((await rollBack(step)) !== "succeeded") return;
  }
}
