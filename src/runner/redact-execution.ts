import type { ExecutionReport, ExecutionResult } from "../run-types.js";
import { REDACTED, type Redact } from "./redact.js";
import { redactJson, redactNumber, showsSecret, TOO_DEEP } from "./redact-value.js";

/**
 * Redacts everything an execution record holds that came from the script. Applied before
 * rendering, so the replacement can never break the log's fences or front matter; lines
 * captured from the script and what it reported were already redacted as they arrived (see
 * ReportAggregator), this also covers messages and compiler output, and secrets known only
 * now (a local run's secret inputs).
 */
export function redactExecution(execution: ExecutionResult, redact: Redact): ExecutionResult {
  return {
    ...execution,
    message: execution.message === null ? null : redact(execution.message),
    output: { ...execution.output, lines: execution.output.lines.map((line) => ({ ...line, text: redact(line.text) })) },
    ...(execution.report === undefined ? {} : { report: redactReport(execution.report, redact) }),
  };
}

function redactReport(report: ExecutionReport, redact: Redact): ExecutionReport {
  const { progress } = report;
  return {
    ...report,
    inputs: report.inputs === null ? null : (orNull(redactJson(report.inputs, redact)) as Record<string, unknown> | null),
    counters: Object.fromEntries(
      Object.entries(report.counters).map(([name, value]) => [redact(name), value === REDACTED ? value : redactNumber(value, redact)]),
    ),
    // As the aggregator does, progress that would show a secret is dropped.
    progress: progress && (showsSecret(progress.done, redact) || showsSecret(progress.total, redact)) ? null : progress,
    result: orNull(redactJson(report.result, redact)),
    failReason: report.failReason === null ? null : redact(report.failReason),
    logs: report.logs.map((log) => ({ ...log, message: redact(log.message) })),
  };
}

function orNull(value: unknown): unknown {
  return value === TOO_DEEP ? null : value;
}
