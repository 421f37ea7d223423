import type { CapturedOutput, ReportLog } from "../run-types.js";

/**
 * Interleaves the lines a script reported with `log()` into its captured output by time,
 * so the run log shows them in order with what it printed. Keeps the capture's gap marker
 * at the same place among the printed lines.
 */
export function mergeReportLogs(output: CapturedOutput, logs: readonly ReportLog[] | undefined): CapturedOutput {
  if (!logs || logs.length === 0) return output;
  const merged: CapturedOutput["lines"] = [];
  let omittedAt: number | null = null;
  let next = 0;
  output.lines.forEach((line, index) => {
    while (next < logs.length && logs[next]!.t < line.t) merged.push({ t: logs[next]!.t, stream: "log", text: logs[next++]!.message });
    if (index === output.omittedAt) omittedAt = merged.length;
    merged.push(line);
  });
  if (output.omittedAt !== null && output.omittedAt >= output.lines.length) omittedAt = merged.length;
  while (next < logs.length) merged.push({ t: logs[next]!.t, stream: "log", text: logs[next++]!.message });
  return { lines: merged, omittedBytes: output.omittedBytes, omittedAt };
}
