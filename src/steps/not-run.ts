import type { ExecutionResult } from "../run-types.js";

/** The execution record of a script that never started: refused, or failed to bundle. */
export function notRun(problem: { status: ExecutionResult["status"]; message: string; detail: string | null }, now = new Date()): ExecutionResult {
  const at = now.toISOString();
  const detail = problem.detail?.split("\n").map((text) => ({ t: 0, stream: "stderr" as const, text })) ?? [];
  return {
    status: problem.status,
    exitCode: null,
    signal: null,
    startedAt: at,
    finishedAt: at,
    durationMs: 0,
    output: { lines: detail, omittedBytes: 0, omittedAt: null },
    message: problem.message,
  };
}
