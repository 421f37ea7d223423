import type { ExecutionReport, ExecutionResult } from "../run-types.js";
import { redactReportValue } from "./report-aggregator.js";

/**
 * Redacts every free text of an execution record. Applied before rendering, so the
 * replacement can never break the log's fences or front matter; lines captured from the
 * script were already redacted at capture, this also covers messages and compiler output,
 * and what the script reported (logs, fail reason, counter names, inputs, result).
 */
export function redactExecution(execution: ExecutionResult, redact: (text: string) => string): ExecutionResult {
  return {
    ...execution,
    message: execution.message === null ? null : redact(execution.message),
    output: { ...execution.output, lines: execution.output.lines.map((line) => ({ ...line, text: redact(line.text) })) },
    ...(execution.report === undefined ? {} : { report: redactReport(execution.report, redact) }),
  };
}

function redactReport(report: ExecutionReport, redact: (text: string) => string): ExecutionReport {
  return {
    ...report,
    inputs: report.inputs === null ? null : (redactReportValue(report.inputs, redact) as Record<string, unknown>),
    counters: Object.fromEntries(Object.entries(report.counters).map(([name, value]) => [redact(name), value])),
    result: redactReportValue(report.result, redact),
    failReason: report.failReason === null ? null : redact(report.failReason),
    logs: report.logs.map((log) => ({ ...log, message: redact(log.message) })),
  };
}
