import { locateOption } from "../definitions/locate-option.js";
import type { ScriptDescription, WorkflowDescription } from "../sdk/protocol.js";
import type { Annotation } from "./check-report.js";

export interface WorkflowInspection {
  /** A warning on each step without a rollback, on its line. */
  annotations: Annotation[];
  /** The steps for the summary; null when the script is no workflow. */
  workflow: WorkflowDescription | null;
}

/**
 * What the check says of a workflow's steps, read without problems from its source: each step
 * without a rollback is flagged where it is written, since its work stays when the workflow
 * rolls back. (No steps, duplicate names or a step it cannot read are problems of the reading.)
 */
export function inspectWorkflow(script: { path: string; source: string }, definition: ScriptDescription): WorkflowInspection {
  const workflow = definition.workflow ?? null;
  if (workflow === null) return { annotations: [], workflow };
  const { path, source } = script;
  const last = workflow.steps.length - 1;
  const annotations = workflow.steps.flatMap((step, i): Annotation[] => {
    if (step.rollback) return [];
    const { line, column } = locateOption(source, path, "steps", [i]) ?? { line: 1, column: 1 };
    // The last step has no later one: only its own failure leaves what it did.
    const when = i === last ? "if it fails, what it did so far stays" : "if a later step fails, its work stays";
    const message = `step ${JSON.stringify(step.name)} has no rollback: ${when}. Add \`rollback\` to undo it, or accept that it is not undone.`;
    return [
      {
        path,
        start_line: line,
        end_line: line,
        start_column: column,
        end_column: column,
        annotation_level: "warning",
        title: "Step without a rollback",
        message,
      },
    ];
  });
  return { annotations, workflow };
}
