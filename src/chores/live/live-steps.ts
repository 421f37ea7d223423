import type { WorkflowView } from "../../api/workflow-view.js";
import type { StateChange } from "../../run-types.js";
import { STANDING_WORDS, undoneSentence } from "../../runlog/standing-words.js";
import { workflowSummary } from "../../runlog/workflow-summary.js";
import type { StepStanding } from "../../sdk/workflow-outcome.js";
import { formatDuration } from "../format-time.js";
import { stripTerminalEscapes } from "../strip-terminal-escapes.js";

/** The longest step name, error and change a page shows (the committed log and the API have them whole). */
const MAX_NAME_CHARS = 200;
const MAX_ERROR_CHARS = 1000;
const MAX_CHANGE_CHARS = 300;
/** The most changes a page lists per run or rollback of a step: the stream re-sends all steps when one changes. */
const MAX_CHANGES = 10;

/** A workflow's steps as a run page shows them, display-ready: every text the script made stripped of terminal escapes and clipped. */
export interface LiveSteps {
  /** "undone: …; not undone: …" once it rolled back or tried to; null otherwise. */
  summary: string | null;
  /** Each declared step, in order. */
  steps: { name: string; standing: StepStanding; words: string; rollback: boolean; failed: boolean }[];
  /** Every run and rollback so far, in order. */
  entries: { step: string; direction: string; outcome: string; duration: string; error: string | null; changes: string[] }[];
}

/** The page's view of a run's workflow record (null for any other script); `final` says whether steps not run yet may still run. */
export function liveSteps(workflow: WorkflowView | undefined, final: boolean): LiveSteps | null {
  if (workflow === undefined) return null;
  return {
    summary: undoneSentence(workflowSummary({ declared: workflow.steps, entries: workflow.entries }), name),
    steps: workflow.steps.map((step) => ({
      name: name(step.name),
      standing: step.standing,
      words: step.standing === "not_run" && !final ? "not run yet" : STANDING_WORDS[step.standing],
      rollback: step.rollback,
      failed: step.name === workflow.failed_step,
    })),
    entries: workflow.entries.map((e) => ({
      step: name(e.step),
      direction: e.direction,
      outcome: e.outcome.replace("_", " "),
      duration: formatDuration(e.duration_ms),
      error: e.error === null ? null : shown(e.error, MAX_ERROR_CHARS),
      changes: changesText(e.changes, e.more_changes),
    })),
  };
}

function name(text: string): string {
  return shown(text, MAX_NAME_CHARS);
}

/** Clipped before its escapes are stripped too (stripTerminalEscapes takes time quadratic in the length, see MAX_LINE_CHARS). */
function shown(text: string, max: number): string {
  return clip(stripTerminalEscapes(clip(text, 2 * max)), max);
}

function changesText(changes: StateChange[], more: number): string[] {
  const left = changes.length - MAX_CHANGES + more;
  return [...changes.slice(0, MAX_CHANGES).map(changeText), ...(left > 0 ? [`… and ${left} more`] : [])];
}

function changeText(change: StateChange): string {
  const value = (v: unknown) => JSON.stringify(v) ?? "undefined";
  const text = !("before" in change)
    ? `${change.path}: added ${value(change.after)}`
    : !("after" in change)
      ? `${change.path}: removed (was ${value(change.before)})`
      : `${change.path}: ${value(change.before)} → ${value(change.after)}`;
  return shown(text, MAX_CHANGE_CHARS);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
