import type { RunStatus } from "../run-types.js";
import { markdownText } from "../runlog/markdown-text.js";
import { STATUS_HEADLINES } from "../runlog/status-headlines.js";
import type { RunNotice } from "./run-notice.js";

// Runs whose people should hear of them: the script did not do what it was merged to do, or
// may have done part of it (a workflow that rolled back did not; one whose rollback failed
// left work half undone; an interrupted one waits for someone to decide). A cancel or a refusal
// was someone's decision: no mention.
const NEEDS_PEOPLE: ReadonlySet<RunStatus> = new Set<RunStatus>(["failed", "timed_out", "lost", "rolled_back", "rollback_failed", "interrupted"]);
// What GitHub accepts as a login; anything else is not mentioned (and cannot inject Markdown).
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
// The line stays short however many runs failed and however long their paths: the sections say the rest.
const MAX_NAMED_RUNS = 5;
const MAX_PATH_CHARS = 200;

function clip(path: string): string {
  return path.length <= MAX_PATH_CHARS ? path : `…${path.slice(-(MAX_PATH_CHARS - 1))}`;
}

/** The scripts whose latest attempt failed, timed out, was lost or rolled back (or failed to), and the people to tell: their pull request's author and approvers, each once, no bots. */
export function failureMentions(runs: readonly RunNotice[]): { people: string[]; runs: RunNotice[] } {
  const latest = new Map<string, RunNotice>();
  for (const run of runs) if ((latest.get(run.script)?.attempt ?? 0) < run.attempt) latest.set(run.script, run);
  const failing = [...latest.values()].filter((run) => NEEDS_PEOPLE.has(run.execution.status)).sort((a, b) => (a.script < b.script ? -1 : 1));
  const people = new Map<string, string>();
  for (const run of failing) {
    for (const login of [run.pullRequest?.author, ...(run.approvedBy ?? [])]) {
      // GitHub logins are case-insensitive: one mention per person.
      if (login !== undefined && LOGIN.test(login) && !people.has(login.toLowerCase())) people.set(login.toLowerCase(), login);
    }
  }
  return { people: [...people.values()], runs: failing };
}

/** The line that mentions `people` about the failing `runs`, e.g. "@alice @bob: scripts/a.ts failed. You wrote or approved it: …". */
export function mentionLine(people: readonly string[], runs: readonly RunNotice[]): string {
  const named = runs.slice(0, MAX_NAMED_RUNS).map((run) => `${markdownText(clip(run.script))} ${STATUS_HEADLINES[run.execution.status].verb}`);
  if (runs.length > MAX_NAMED_RUNS) named.push(`${runs.length - MAX_NAMED_RUNS} more did too`);
  const what = named.join("; ");
  const it = runs.length === 1 ? "it" : "them";
  return `${people.map((login) => `@${login}`).join(" ")}: ${what}. You wrote or approved ${it}: please check what ${it} did in production.`;
}
