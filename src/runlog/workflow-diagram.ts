import type { WorkflowReport } from "../run-types.js";
import { MAX_WORKFLOW_STEPS } from "../sdk/protocol.js";
import type { StepStanding } from "../sdk/workflow-outcome.js";
import { mermaidLabel } from "./mermaid-label.js";
import { STANDING_WORDS } from "./standing-words.js";
import type { WorkflowSummary } from "./workflow-summary.js";

/** Each standing's colours (fill, stroke, text), readable in GitHub's light and dark themes. */
const CLASSES: Record<StepStanding, string> = {
  done: "fill:#dafbe1,stroke:#116329,color:#116329",
  undone: "fill:#ddf4ff,stroke:#0550ae,color:#0550ae",
  partly_done: "fill:#fff8c5,stroke:#7d4e00,color:#7d4e00",
  rollback_failed: "fill:#ffebe9,stroke:#a40e26,color:#a40e26",
  not_run: "fill:#eaeef2,stroke:#57606a,color:#57606a",
  waiting: "fill:#fbefff,stroke:#6639ba,color:#6639ba",
};
/** Past this many steps the diagram reads top to bottom. */
const MAX_IN_A_ROW = 5;

/**
 * A Mermaid flowchart of a workflow's declared steps in order (at most MAX_WORKFLOW_STEPS):
 * solid arrows along the steps that ran, the failed step outlined, dashed arrows along the
 * walk back in the order the rollbacks ran, each step coloured and labelled by where it
 * stands. Node ids are `s1`, `s2`…; names only ever appear as escaped labels.
 */
export function workflowDiagram(report: Pick<WorkflowReport, "entries">, summary: WorkflowSummary): string {
  const steps = summary.steps.slice(0, MAX_WORKFLOW_STEPS);
  const ids = new Map(steps.map((step, i) => [step.name, `s${i + 1}`]));
  const started = new Set(report.entries.filter((e) => e.direction === "run" && e.outcome !== "vetoed").map((e) => e.step));
  const lines = [`flowchart ${steps.length > MAX_IN_A_ROW ? "TD" : "LR"}`];

  steps.forEach((step, i) => {
    const failed = step.name === summary.failedStep ? "failed · " : "";
    lines.push(`  s${i + 1}["${i + 1}. ${mermaidLabel(step.name)}<br>${failed}${STANDING_WORDS[step.standing]}"]`);
  });
  // The run path, then steps that never started kept in order by invisible links.
  for (let i = 1; i < steps.length; i++) {
    const ran = started.has(steps[i]!.name);
    lines.push(`  s${i} ${ran ? "-->" : "~~~"} s${i + 1}`);
  }
  // The walk back: from the failed step through each rollback, in the order they ran.
  const walk = [summary.failedStep, ...report.entries.filter((e) => e.direction === "rollback").map((e) => e.step)]
    .map((name) => (name === null ? undefined : ids.get(name)))
    .filter((id) => id !== undefined);
  let first = true;
  for (let i = 1; i < walk.length; i++) {
    if (walk[i] === walk[i - 1]) continue;
    lines.push(`  ${walk[i - 1]} ${first ? "-. rollback .->" : "-.->"} ${walk[i]}`);
    first = false;
  }

  for (const [standing, style] of Object.entries(CLASSES)) lines.push(`  classDef w_${standing} ${style}`);
  for (const standing of Object.keys(CLASSES)) {
    const members = steps.flatMap((step, i) => (step.standing === standing ? [`s${i + 1}`] : []));
    if (members.length > 0) lines.push(`  class ${members.join(",")} w_${standing}`);
  }
  const failedId = summary.failedStep === null ? undefined : ids.get(summary.failedStep);
  if (failedId !== undefined) lines.push(`  style ${failedId} stroke-width:4px`);
  return `${lines.join("\n")}\n`;
}
