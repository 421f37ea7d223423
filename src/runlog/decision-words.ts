import type { DecisionKind, DecisionVia, RunDecision } from "../run-types.js";

/** A decision's kind as a past-tense verb: the log, the pages and the notices say it the same way. */
export const DECISION_VERBS: Record<DecisionKind, string> = {
  approve: "approved",
  reject: "rejected",
  signal: "signalled",
  timeout: "timed out",
  resume: "resumed",
  rollback: "rolled back",
  cancel: "cancelled",
  pause: "asked to pause",
};

/** Where a decision came from, after "on"/"by": "the run page", "a comment"… */
export const DECISION_VIA_WORDS: Record<DecisionVia, string> = {
  page: "the run page",
  api: "the API",
  cli: "the CLI",
  comment: "a comment",
  review: "an approving review",
  timer: "its deadline",
};

/**
 * One decision in a sentence, e.g. "approved by @ana on the run page at 2026-12-06T20:40:00Z"
 * or "signal `approved` delivered (step `charge`) by … "; `name` makes a signal or step safe
 * where the sentence goes (Markdown, plain text), `login` a person's login.
 */
export function decisionSentence(decision: RunDecision, name: (text: string) => string, login: (by: string) => string = name): string {
  const what =
    decision.kind === "signal"
      ? `signal ${name(decision.signal ?? "?")} delivered`
      : decision.kind === "timeout"
        ? `timed out waiting for ${decision.signal === undefined ? "a decision" : name(decision.signal)}`
        : DECISION_VERBS[decision.kind];
  const step = decision.step === undefined ? "" : ` (step ${name(decision.step)})`;
  const who = decision.kind === "timeout" ? "" : ` by ${decision.by === "dashboard" ? "the dashboard's credentials" : login(decision.by)}`;
  const via = decision.via === "timer" ? "" : ` via ${DECISION_VIA_WORDS[decision.via]}`;
  return `${what}${step}${who}${via} at ${decision.at}`;
}

/** Who approved at run time, in order (each once). */
export function runTimeApprovers(decisions: readonly RunDecision[]): string[] {
  return [...new Set(decisions.filter((d) => d.kind === "approve").map((d) => d.by))];
}
