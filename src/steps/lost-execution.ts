import type { ExecutionResult } from "../run-types.js";
import type { FinishedSummary, LedgerEntry } from "../stores/execution-ledger.js";

/**
 * The record of an execute job that failed instead of returning a result: its worker died
 * (or chorebot itself broke). Whether the script may have run is told by the ledger.
 */
export function lostExecution(o: { started: boolean; reason: string; startedAt: Date; finishedAt: Date }): ExecutionResult {
  return {
    status: o.started ? "lost" : "failed",
    exitCode: null,
    signal: null,
    startedAt: o.startedAt.toISOString(),
    finishedAt: o.finishedAt.toISOString(),
    durationMs: Math.max(0, o.finishedAt.getTime() - o.startedAt.getTime()),
    output: { lines: [], omittedBytes: 0, omittedAt: null },
    message: o.started
      ? `the worker stopped during execution; the script may have partly run (${o.reason})`
      : `chorebot could not start the script (${o.reason})`,
  };
}

/**
 * What an attempt whose execute job failed did, from the ledger: when the script finished but
 * its worker could not complete the job (it lost its claim, e.g. Redis was unreachable), what
 * happened is recorded there and only the output is gone; otherwise it was lost (or never
 * started).
 */
export function failedAttemptExecution(o: { entry: LedgerEntry; attempt: number; reason: string; processedOn: Date; finishedOn: Date }): ExecutionResult {
  const { entry, attempt, reason } = o;
  const finished = entry.resultAttempt === attempt ? entry.result : null;
  if (finished) return { ...finished, output: { lines: [], omittedBytes: 0, omittedAt: null }, message: unrecordedMessage(finished, reason) };
  return lostExecution({ started: entry.attempt === attempt, reason, startedAt: entry.startedAt ?? o.processedOn, finishedAt: o.finishedOn });
}

function unrecordedMessage(finished: FinishedSummary, reason: string): string {
  const how = finished.exitCode !== null ? `exit code ${finished.exitCode}` : finished.signal ? `signal ${finished.signal}` : "no exit code";
  return (
    `the script finished (${how}${finished.message ? `: ${finished.message}` : ""}), but its worker lost its claim on the job ` +
    `before it could record the run (${reason}); its output was not kept`
  );
}
