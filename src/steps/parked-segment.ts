import type { ExecutionResult } from "../run-types.js";
import { mergeReportLogs } from "../runlog/merge-report-logs.js";
import type { RunSegment } from "../stores/run-segments.js";

/** What a process that ended parked leaves for the run's final log: its times and output, and why it stopped. */
export function parkedSegment(execution: ExecutionResult, parkedFor: string): RunSegment {
  return {
    startedAt: execution.startedAt,
    finishedAt: execution.finishedAt,
    output: mergeReportLogs(execution.output, execution.report?.logs),
    parkedFor,
  };
}
