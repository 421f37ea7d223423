import { failureMentions, mentionLine } from "./failure-mentions.js";
import { clipRunNotice, MAX_COMMENT_CHARS, renderRunSection, type RunNotice } from "./run-notice.js";

/** The hidden first line of the pull request's chorebot comment (for people reading the source; never parsed). */
const MARKER = "<!-- chorebot: runs of this pull request -->";

/** Output each run keeps for the comment: at most the tail the comment shows, as long as it shows lines. */
const KEPT_TAIL_LINES = 20;
const KEPT_LINE_CHARS = 2000;

/**
 * The one comment chorebot keeps on a merged pull request: a section per run attempt, in
 * script order, each as detailed as fits GitHub's comment size (output tails shrink first).
 */
export function renderPullRequestComment(runs: readonly RunNotice[]): string {
  const sorted = [...runs].sort((a, b) => (a.script === b.script ? a.attempt - b.attempt : a.script < b.script ? -1 : 1));
  // A failure names the people who know the script, once, at the top; a success names no one.
  const failing = failureMentions(sorted);
  const mentions = failing.people.length === 0 ? "" : `${mentionLine(failing.people, failing.runs)}\n\n`;
  const heading = `${MARKER}\n${mentions}**chorebot** ran ${sorted.length === 1 ? "the script" : `${sorted.length} script runs`} of this pull request:\n\n`;
  // Every section gets the same share; each renders as much as its share allows.
  const share = Math.floor((MAX_COMMENT_CHARS - heading.length) / Math.max(1, sorted.length)) - 2;
  return heading + sorted.map((run) => renderRunSection(run, share)).join("\n---\n\n");
}

/** What a run's section needs, without output it will never show: bounded, to store. */
export function forComment(input: RunNotice): RunNotice {
  return clipRunNotice(input, KEPT_TAIL_LINES, KEPT_LINE_CHARS);
}
