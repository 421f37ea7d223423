import type { ExecutionResult } from "../run-types.js";

/**
 * The record of an execute job that failed instead of returning a result: its worker died
 * (or chorebot itself broke). Whether the script may have run is told by the ledger.
 */
export function lostExecution(o: {
  started: boolean;
  reason: string;
  startedAt: Date;
  finishedAt: Date;
}): ExecutionResult {
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
