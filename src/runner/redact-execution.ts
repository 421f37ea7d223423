import type { ExecutionResult } from "../run-types.js";

/**
 * Redacts every free text of an execution record. Applied before rendering, so the
 * replacement can never break the log's fences or front matter; lines captured from the
 * script were already redacted at capture, this also covers messages and compiler output.
 */
export function redactExecution(execution: ExecutionResult, redact: (text: string) => string): ExecutionResult {
  return {
    ...execution,
    message: execution.message === null ? null : redact(execution.message),
    output: { ...execution.output, lines: execution.output.lines.map((line) => ({ ...line, text: redact(line.text) })) },
  };
}
