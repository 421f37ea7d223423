import type { StepStanding } from "../sdk/workflow-outcome.js";
import type { WorkflowSummary } from "./workflow-summary.js";

/** Where a step stands, in words: the log, the pages, the comments and the replies say it the same way. */
export const STANDING_WORDS: Record<StepStanding, string> = {
  done: "done",
  undone: "undone",
  partly_done: "partly done",
  rollback_failed: "rollback failed",
  not_run: "not run",
  waiting: "waiting for a signal",
};

/**
 * "undone: charge, reserve; not undone: notify (no rollback)" for a workflow that rolled back
 * (or tried to), null for any other; `name` makes a step's name safe where it goes.
 */
export function undoneSentence(summary: Pick<WorkflowSummary, "outcome" | "steps" | "undone" | "notUndone">, name: (step: string) => string): string | null {
  if (summary.outcome !== "rolled_back" && summary.outcome !== "rollback_failed") return null;
  const rollback = new Map(summary.steps.map((step) => [step.name, step]));
  const left = summary.notUndone.map((step) => {
    const known = rollback.get(step);
    const why =
      known === undefined
        ? ""
        : !known.rollback
          ? " (no rollback)"
          : known.standing === "rollback_failed"
            ? " (its rollback failed)"
            : " (the walk back stopped before it)";
    return `${name(step)}${why}`;
  });
  const list = (names: string[]) => (names.length === 0 ? "none" : names.join(", "));
  return `undone: ${list(summary.undone.map(name))}; not undone: ${list(left)}`;
}

/** Every declared step and where it stands on one line, "`reserve` undone · `charge` failed, undone · `ship` not run", for a comment or a reply. */
export function stepsLine(summary: Pick<WorkflowSummary, "steps" | "failedStep">, name: (step: string) => string): string {
  return summary.steps.map((step) => `${name(step.name)} ${step.name === summary.failedStep ? "failed, " : ""}${STANDING_WORDS[step.standing]}`).join(" · ");
}
