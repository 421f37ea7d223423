import type { WorkflowDescription } from "../sdk/protocol.js";
import { markdownText } from "./markdown-text.js";
import { formatDuration } from "./render-summary.js";

/**
 * The summary's "Workflows" section: each workflow's steps in order, whether each has a
 * rollback, and each one's time limit. Names and paths are escaped: they are the pull
 * request's text. Empty when no script or chore is a workflow.
 */
export function renderWorkflows(scripts: readonly { path: string; workflow?: WorkflowDescription }[]): string[] {
  const workflows = scripts.filter((script): script is { path: string; workflow: WorkflowDescription } => script.workflow !== undefined);
  if (workflows.length === 0) return [];
  const lines = [
    "### Workflows",
    "",
    "Each runs its steps in order. When one fails (or the run is stopped), its rollback runs first, then those of the steps done before it, in reverse; " +
      "a step without a rollback is passed over and its work stays. Each run and each rollback has the step's time limit.",
    "",
  ];
  for (const { path, workflow } of workflows) {
    const without = workflow.steps.filter((step) => !step.rollback).length;
    const note = without === 0 ? "every step has a rollback" : `${without} without a rollback`;
    lines.push(`**${markdownText(path)}**: ${workflow.steps.length} step${workflow.steps.length === 1 ? "" : "s"}, ${note}.`, "");
    lines.push("| # | Step | Rollback | Time limit |", "| --- | --- | --- | --- |");
    workflow.steps.forEach((step, i) => {
      lines.push(`| ${i + 1} | ${markdownText(step.name)} | ${step.rollback ? "yes" : "⚠️ no: its work stays"} | ${formatDuration(step.timeoutMs)} |`);
    });
    lines.push("");
  }
  return lines;
}
