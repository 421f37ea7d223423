import type { ExecutionReport } from "../run-types.js";
import { fence } from "./fence.js";
import { markdownText } from "./markdown-text.js";

/** What an SDK script reported, for the log's front matter (machines read it there). */
export function reportFrontMatter(report: ExecutionReport | undefined): Record<string, unknown> {
  if (!report) return {};
  return {
    inputs: report.inputs,
    counters: report.counters,
    ...(report.progress ? { progress: report.progress } : {}),
    result: report.result === undefined ? null : report.result,
    ...(report.droppedLogs > 0 ? { dropped_log_lines: report.droppedLogs } : {}),
  };
}

/** Inputs, Counters and Result sections of the log body; none for a plain script. */
export function reportSections(report: ExecutionReport | undefined): string[] {
  if (!report) return [];
  const parts: string[] = [];
  if (report.inputs && Object.keys(report.inputs).length > 0) {
    const rows = Object.entries(report.inputs).map(([name, value]) => `| \`${markdownText(name)}\` | ${cell(value)} |`);
    parts.push("## Inputs\n", `| input | value |\n|---|---|\n${rows.join("\n")}\n`);
  }
  const counters = Object.entries(report.counters);
  if (counters.length > 0) {
    const rows = counters.map(([name, value]) => `| ${markdownText(name)} | ${value} |`);
    parts.push("## Counters\n", `| counter | value |\n|---|---:|\n${rows.join("\n")}\n`);
  }
  if (report.result !== undefined) parts.push("## Result\n", fence(JSON.stringify(report.result, null, 2), "json"));
  return parts;
}

function cell(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return markdownText(text ?? "")
    .replace(/\|/g, "\\|")
    .replace(/\n/g, " ");
}
