import type { ExecuteResult, ProcessResult } from "./job-data.js";

/**
 * What release c58baed and before (job format 1) left in Redis, read by this release so that
 * it finishes the runs an older one started, exactly as approved: the bundle that runs is
 * the one the old `process` stored. Nothing here writes format 1; new records go to the run's
 * hash (./run-key.ts). Drop a reader once no deployment can hold format-1 jobs any more.
 */
export const format1Keys = {
  /** The bundle, a string key (now field `bundle` of the run's hash). */
  bundle: (prefix: string, runId: string) => `${prefix}:bundles:${runId}`,
  /** The execution ledger, a hash of its own (now fields of the run's hash). */
  ledger: (prefix: string, runId: string) => `${prefix}:executions:${runId}`,
};

/** Format 1's process result: the redacted bundle in `code`, no `alreadyHandled`. */
type Format1ProcessResult = Omit<ProcessResult, "alreadyHandled"> & { code?: string | null; alreadyHandled?: string | null };

/**
 * A process result of either format. Format 1's `code` is dropped (it was only for show: what
 * runs and what the log quotes is the BundleStore's); it had no re-run guard, so nothing it
 * processed was `alreadyHandled`.
 */
export function processResultOf(value: ProcessResult | Format1ProcessResult): ProcessResult {
  const { provenance, description, problem, alreadyHandled, reviewedInputs } = value;
  return {
    provenance,
    alreadyHandled: alreadyHandled ?? null,
    description: description ?? null,
    problem: problem ?? null,
    // A merged script's values from its reviewed inputs file (format 1 had none): what it runs with, and its log shows.
    ...(reviewedInputs ? { reviewedInputs } : {}),
  };
}

/**
 * The whole outcome when an execute job of format 1 returned it (format 2 returns a summary,
 * the outcome being in RunOutcomes); also what a format-1 retry cleanup carried in `outcome`.
 */
export function fullOutcomeOf(value: unknown): ExecuteResult | null {
  if (value === null || typeof value !== "object" || !("execution" in value) || !("process" in value)) return null;
  const outcome = value as ExecuteResult;
  return { ...outcome, process: processResultOf(outcome.process) };
}
