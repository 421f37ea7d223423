import type { RunStatus, StateChange, WorkflowEntry, WorkflowReport } from "../run-types.js";
import { MAX_WORKFLOW_STEPS } from "../sdk/protocol.js";
import { fence } from "./fence.js";
import { formatDuration } from "./format-duration.js";
import { markdownText } from "./markdown-text.js";
import { STANDING_WORDS, undoneSentence } from "./standing-words.js";
import { workflowDiagram } from "./workflow-diagram.js";
import { workflowSummary, type WorkflowSummary } from "./workflow-summary.js";
import { interruptedStep } from "./interrupted-words.js";

/** The longest error a table cell shows, and a state value's JSON in a change (the API record has them as the aggregator cut them). */
const MAX_ERROR_CHARS = 500;
const MAX_VALUE_CHARS = 1000;

const OUTCOME_MARKS: Record<WorkflowEntry["outcome"], string> = {
  succeeded: "✓",
  failed: "✗",
  timed_out: "⏱",
  vetoed: "⊘",
  cancelled: "🛑",
  waiting: "⏳",
};

/** What a machine wants of a workflow in the front matter: its outcome, the step that failed, and where each step stands. */
export function workflowFrontMatter(report: WorkflowReport | undefined): Record<string, unknown> {
  if (!report) return {};
  const summary = workflowSummary(report);
  return {
    workflow_outcome: summary.outcome,
    failed_step: summary.failedStep,
    workflow_steps: summary.steps.map(({ name, rollback, standing }) => ({ name, rollback, standing })),
  };
}

/**
 * The log's Steps section for a workflow: what happened in a sentence, where each declared step
 * stands, a Mermaid diagram of the run and its walk back, every run and rollback in order, and
 * (with `changes`) what each changed in the state. None for any other script.
 */
export function workflowSections(report: WorkflowReport | undefined, o: { changes: boolean; status?: RunStatus }): string[] {
  if (!report) return [];
  const summary = workflowSummary(report);
  const parts = ["## Steps\n", `${o.status === "interrupted" ? interruptedIntro(report) : intro(summary, report)}\n`];

  const standings = summary.steps.map((step, i) => `${i + 1}. ${code(step.name)}: ${STANDING_WORDS[step.standing]}${step.rollback ? "" : " (no rollback)"}`);
  if (standings.length > 0) parts.push(`${standings.join("\n")}\n`);
  if (summary.steps.length > 0) {
    if (summary.steps.length > MAX_WORKFLOW_STEPS) parts.push(`The diagram shows the first ${MAX_WORKFLOW_STEPS} steps.\n`);
    parts.push(fence(workflowDiagram(report, summary), "mermaid"));
  }

  parts.push("### Runs and rollbacks\n");
  if (report.entries.length === 0) {
    parts.push("_No step started._\n");
  } else {
    const rows = report.entries.map(
      (e, i) =>
        `| ${i + 1} | ${code(e.step, true)} | ${e.direction} | ${OUTCOME_MARKS[e.outcome]} ${e.outcome.replace("_", " ")} | ${formatDuration(e.durationMs)} | ${e.error === null ? "" : markdownText(clip(e.error, MAX_ERROR_CHARS))} |`,
    );
    parts.push(`| # | step | | outcome | took | error |\n|---:|---|---|---|---:|---|\n${rows.join("\n")}\n`);
    parts.push(...waitLines(report));
  }

  const changed = report.entries.map((entry, i) => ({ entry, n: i + 1 })).filter(({ entry }) => entry.changes.length > 0 || entry.moreChanges > 0);
  if (changed.length > 0) {
    parts.push("### State changes\n");
    if (!o.changes) {
      parts.push("_Left out to keep this log under its size limit: the run's API record has them while it is kept._\n");
    } else {
      for (const { entry, n } of changed) {
        const more = entry.moreChanges > 0 ? ` (and ${entry.moreChanges} more not listed)` : "";
        parts.push(`Entry ${n}, ${code(entry.step)} (${entry.direction})${more}:\n`);
        if (entry.changes.length > 0) parts.push(fence(entry.changes.flatMap(changeLines).join("\n"), "diff"));
      }
    }
  }
  return parts;
}

function intro(summary: WorkflowSummary, report: WorkflowReport): string {
  const failed = summary.failedStep === null ? null : code(summary.failedStep);
  const failure = report.entries.find((e) => e.direction === "run" && e.step === summary.failedStep && e.outcome !== "succeeded");
  const how =
    failure === undefined ? "" : failure.outcome === "vetoed" ? " (vetoed by an observer: it did not run)" : ` (${failure.outcome.replace("_", " ")})`;
  const undone = undoneSentence(summary, code);
  switch (summary.outcome) {
    case "succeeded":
      return `All ${summary.steps.length} steps ran.`;
    case "rolled_back":
      return `Step ${failed}${how} failed, and the steps it had done were rolled back in reverse order: ${undone}.`;
    case "rollback_failed":
      return `Step ${failed}${how} failed, and the walk back stopped before every step was undone: ${undone}. Check the steps not undone by hand.`;
    case "waiting": {
      const waits = report.entries.at(-1);
      return `Step ${code(waits?.step ?? "")} waits for the signal ${code(waits?.wait?.signal ?? "")}: the workflow goes on from it in a fresh process once the signal comes, and rolls back if it does not in time.`;
    }
    case "incomplete":
      return "The record ends before the workflow did (the run was lost or stopped during a step). These are the steps it recorded; nothing re-runs or rolls back on its own, so check any step that is done or partly done.";
  }
}

/** The run stopped at a lost step (the attempt was interrupted): which, and that nothing went on without a person. */
function interruptedIntro(report: WorkflowReport): string {
  const step = interruptedStep(report);
  return step === null
    ? "The worker was lost before the workflow's end was recorded. Nothing re-ran or rolled back on its own: a person decides."
    : `The worker was lost during step ${code(step)}: the steps before it are as recorded below, and nothing after it ran. Nothing re-ran or rolled back on its own: a person decides.`;
}

/**
 * "⏳ Entry 2, `charge`, waited for the signal `approved`": a process ends at each wait, so the
 * entries after one came from a later process, started once the signal (or its timeout) came.
 */
function waitLines(report: WorkflowReport): string[] {
  const waits = report.entries.map((entry, i) => ({ entry, n: i + 1 })).filter(({ entry }) => entry.outcome === "waiting" && entry.wait !== undefined);
  if (waits.length === 0) return [];
  const lines = waits.map(({ entry, n }) => {
    const after = n < report.entries.length ? "; the entries after it came from a later process" : "";
    return `- ⏳ Entry ${n}: step ${code(entry.step)} waited for the signal ${code(entry.wait!.signal)}${after}.`;
  });
  return [`${lines.join("\n")}\n`];
}

/** A change as diff lines: the value before (`-`) and after (`+`), as JSON. */
function changeLines(change: StateChange): string[] {
  const path = change.path.replace(/[\r\n]/g, (c) => (c === "\n" ? "\\n" : "\\r"));
  const lines: string[] = [];
  if ("before" in change) lines.push(`- ${path}: ${valueText(change.before)}`);
  if ("after" in change) lines.push(`+ ${path}: ${valueText(change.after)}`);
  return lines;
}

function valueText(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? "undefined";
  } catch {
    text = String(value);
  }
  return clip(text, MAX_VALUE_CHARS);
}

/**
 * A step's name in a code span, where it reads as written; one a span cannot hold (a backtick,
 * a line break) as escaped text. In a table a span's pipes are escaped too: GitHub splits
 * cells on them even inside a span (and only there reads `\|` in a span as a pipe).
 */
function code(name: string, inTable = false): string {
  if (name.trim() === "") return "(unnamed)";
  if (/[`\r\n]/.test(name)) return markdownText(name);
  return `\`${inTable ? name.replace(/\|/g, "\\|") : name}\``;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
