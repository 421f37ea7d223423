import type { ExecutionResult, PullRequestInfo, RunStatus } from "../run-types.js";
import { fence } from "../runlog/fence.js";
import { markdownText } from "../runlog/markdown-text.js";
import { STATUS_HEADLINES } from "../runlog/status-headlines.js";
import { formatDuration } from "../runlog/format-duration.js";
import { outputEntries } from "../runlog/output-entries.js";
import { linkTarget } from "../runlog/link-target.js";
import { stepsLine, undoneSentence } from "../runlog/standing-words.js";
import { workflowSummary } from "../runlog/workflow-summary.js";
import { decisionSentence } from "../runlog/decision-words.js";
import { decideWays, interruptedStep, resumeWords, rollbackWords } from "../runlog/interrupted-words.js";

/** Everything needed to tell a merged PR's reviewers how its script's run went. */
export interface RunNotice {
  runId: string;
  attempt: number;
  /** Path of the entry script, e.g. `scripts/2026-11-fix.ts`. */
  script: string;
  repository: { owner: string; repo: string };
  /** The merge commit the script came from. */
  commit: string;
  pullRequest: PullRequestInfo | null;
  /** Who approved the pull request (countApprovals: people, no bots); absent in reports stored by an older release. */
  approvedBy?: string[];
  /** The run's outcome, already redacted. */
  execution: ExecutionResult;
  /** Where the run log was committed; `url` is its web page at that commit (see `logUrl`). */
  log: { path: string; commit: string; url: string };
  /** Set when the log went through a pull request (protected default branch). */
  cleanupPullRequest?: { number: number; url: string } | null;
}

/** Check-run conclusions chorebot uses. */
export type RunConclusion = "success" | "failure" | "cancelled" | "action_required" | "neutral";

export interface CheckRunOutput {
  title: string;
  summary: string;
  conclusion: RunConclusion;
}

/** GitHub rejects comments over 65 536 characters; stay well below. */
export const MAX_COMMENT_CHARS = 60_000;
/** How many output lines the comment repeats; the rest is in the run log. */
export const OUTPUT_TAIL_LINES = 20;

const HEADLINES = STATUS_HEADLINES;

const CONCLUSIONS: Record<RunStatus, RunConclusion> = {
  succeeded: "success",
  failed: "failure",
  timed_out: "failure",
  lost: "failure",
  cancelled: "cancelled",
  // Not `action_required`: that conclusion tells people the fix is one click away on the
  // `details_url` page (GitHub requires one with it), whereas a refused script can only run
  // through a new, properly reviewed pull request. `failure` keeps it red and unmissable.
  refused: "failure",
  // The workflow failed, even though it undid its work.
  rolled_back: "failure",
  rollback_failed: "failure",
  // A person must act, and the details_url (the run log, always given) says how: Resume or
  // Roll back on the run page, the CLI, the API or a comment. Not `failure`: nothing failed yet.
  interrupted: "action_required",
  // Not an end (a waiting run is parked, never recorded): should one be told, it is neither good nor bad.
  waiting: "neutral",
  paused: "neutral",
};

/** The check run's name: one per script, on the merge commit. */
export function checkRunName(script: string): string {
  return `chorebot: ${script}`;
}

/**
 * One run's section of the pull request comment: headline, log link, message and the last
 * lines of output. Never longer than `maxChars`: long output lines are clipped first, then
 * fewer lines are shown, then the message is clipped.
 */
export function renderRunSection(input: RunNotice, maxChars: number): string {
  return renderBody(input, "", maxChars);
}

/** The report with its output cut to the last `lines` captured lines of at most `chars` each (the rest is in the run log). */
export function clipRunNotice(input: RunNotice, lines: number, chars: number): RunNotice {
  const { output } = input.execution;
  const start = Math.max(0, output.lines.length - lines);
  const omittedAt = output.omittedAt === null || output.omittedAt < start ? null : output.omittedAt - start;
  const kept = output.lines.slice(start).map((line) => (line.text.length > chars ? { ...line, text: clip(line.text, chars) } : line));
  return { ...input, execution: { ...input.execution, output: { lines: kept, omittedBytes: omittedAt === null ? 0 : output.omittedBytes, omittedAt } } };
}

/** Title, summary and conclusion for the completed check run on the merge commit. */
export function checkRunOutput(input: RunNotice): CheckRunOutput {
  const run = input.execution;
  const { label } = HEADLINES[run.status];
  const title = run.status === "refused" ? `${label}: the script was not executed` : `${label} after ${formatDuration(run.durationMs)}${ending(run, (s) => s)}`;
  // Check-run summaries may hold 65 535 characters; the comment's cap fits.
  return { title: clip(title, 200), summary: renderBody(input, "", MAX_COMMENT_CHARS), conclusion: CONCLUSIONS[run.status] };
}

/**
 * The web page of `path` at `commit`, from the REST API base URL the app talks to:
 * `https://api.github.com` → `https://github.com/…`, GHE `http(s)://host/api/v3` →
 * `http(s)://host/…` (and GHE.com `https://api.SUB.ghe.com` → `https://SUB.ghe.com/…`).
 */
export function logUrl(baseUrl: string, owner: string, repo: string, commit: string, path: string): string {
  const url = new URL(baseUrl);
  let prefix = url.pathname.replace(/\/+$/, "");
  if (/\/api\/v3$/.test(prefix)) {
    prefix = prefix.replace(/\/api\/v3$/, "");
  } else if (url.hostname.startsWith("api.")) {
    url.hostname = url.hostname.slice("api.".length);
  }
  const segments = (p: string) =>
    p
      .split("/")
      .filter((s) => s !== "")
      .map(encodeURIComponent)
      .join("/");
  return `${url.protocol}//${url.host}${prefix}/${segments(owner)}/${segments(repo)}/blob/${encodeURIComponent(commit)}/${segments(path)}`;
}

/** How much of the variable-length parts a rendering shows; lowered until it fits. */
interface View {
  /** Longest output line shown, in characters. */
  lineLimit: number;
  /** Output lines shown (the tail). */
  lines: number;
  /** Longest message shown, in characters. */
  textLimit: number;
}

const VIEWS: View[] = [
  { lineLimit: Infinity, lines: OUTPUT_TAIL_LINES, textLimit: Infinity },
  { lineLimit: 2000, lines: OUTPUT_TAIL_LINES, textLimit: Infinity },
  { lineLimit: 500, lines: OUTPUT_TAIL_LINES, textLimit: 8000 },
  { lineLimit: 200, lines: OUTPUT_TAIL_LINES, textLimit: 2000 },
  { lineLimit: 200, lines: 5, textLimit: 500 },
  { lineLimit: 200, lines: 0, textLimit: 200 },
];

function renderBody(input: RunNotice, prefix: string, maxChars: number): string {
  let body = "";
  for (const view of VIEWS) {
    body = prefix + render(input, view);
    if (body.length <= maxChars) return body;
  }
  // Only absurd script or log paths are left; cut rather than fail to report.
  return `${clip(body, maxChars - 1)}\n`;
}

function render(input: RunNotice, view: View): string {
  const run = input.execution;
  const headline = HEADLINES[run.status];
  const how = run.status === "refused" ? ": it was not executed" : ` after ${formatDuration(run.durationMs)}${ending(run, markdownText)}`;
  const parts: string[] = [
    `### ${headline.emoji} ${markdownText(input.script)} ${headline.verb}${how}\n`,
    `Status: \`${run.status}\` · attempt ${input.attempt} · run \`${input.runId.replace(/`/g, "")}\`\n`,
  ];

  const message = run.message?.trim() ?? "";
  if (message !== "") {
    if (run.status === "refused") {
      // The reason exactly as the provenance gate gave it (only made Markdown-safe).
      parts.push(`**Why:** ${markdownText(clip(message, view.textLimit))}\n`);
    } else {
      // What the script said (a step's error is often another system's text): it mentions nobody and references no issue.
      const text = inert(markdownText(clip(message.charAt(0).toUpperCase() + message.slice(1), view.textLimit)));
      parts.push(/[.!?…]$/.test(text) ? `${text}\n` : `${text}.\n`);
    }
  } else if (run.status === "refused") {
    parts.push("**Why:** no reason was recorded; see the run log.\n");
  }

  const workflow = run.report?.workflow;
  if (workflow) parts.push(stepsParagraph(workflow, view));
  const iteration = run.report?.iteration;
  if (iteration) parts.push(iterationParagraph(input.runId, iteration, run.status));
  else if (run.status === "interrupted") parts.push(decideParagraph(input.runId, interruptedStep(workflow), view));
  if (run.decisions && run.decisions.length > 0) parts.push(decisionsParagraph(run.decisions, view));

  const shortCommit = input.log.commit.slice(0, 7).replace(/[^0-9a-zA-Z]/g, "");
  parts.push(`Run log: [${markdownText(input.log.path)}](${linkUrl(input.log.url)}) at \`${shortCommit}\`.\n`);
  const cleanup = input.cleanupPullRequest;
  if (cleanup) {
    parts.push(
      `The default branch is protected, so the run log and the script's deletion wait in [#${cleanup.number}](${linkUrl(cleanup.url)}) to be merged.\n`,
    );
  }

  parts.push(outputSection(run, view));
  return parts.join("\n");
}

/** A workflow's steps where they stand and, when it rolled back, what was undone and what was not; only the words when little room is left. */
function stepsParagraph(workflow: NonNullable<NonNullable<ExecutionResult["report"]>["workflow"]>, view: View): string {
  const summary = workflowSummary(workflow);
  const name = (step: string) => stepName(clip(step, Math.min(100, view.lineLimit)));
  const undone = undoneSentence(summary, name);
  const said = undone === null ? "" : ` ${undone.charAt(0).toUpperCase()}${undone.slice(1)}.`;
  return view.lines === 0 ? `**Steps:**${said || " see the run log."}\n` : `**Steps:** ${stepsLine(summary, name)}.${said}\n`;
}

/** An iteration's items (only numbers), and for one that stopped before its end where Resume goes on: it has no Roll back. */
function iterationParagraph(runId: string, iteration: NonNullable<NonNullable<ExecutionResult["report"]>["iteration"]>, status: RunStatus): string {
  const after = Math.max(iteration.checkpoint?.done ?? 0, iteration.resumedFrom?.done ?? 0);
  const done = after + (iteration.finished ? 0 : (iteration.inFlight?.items ?? 0));
  const items = `**Items:** ${done.toLocaleString("en-US")}${iteration.total === null ? "" : ` of ${iteration.total.toLocaleString("en-US")}`} processed, in batches of ${iteration.batchSize.toLocaleString("en-US")}.`;
  if (iteration.finished || !(status === "interrupted" || status === "failed" || status === "timed_out"))
    return `${items}
`;
  const id = runId.replace(/`/g, "");
  const again = iteration.inFlight === null ? "" : ` (the items of batch ${iteration.inFlight.seq}, in flight, may be processed again)`;
  return `${items} **A person decides:** nothing was re-run on its own. Resume goes on after item ${after.toLocaleString("en-US")}${again}: on the run's page, \`chorebot resume ${id}\`, \`POST /api/runs/${id}/resume\` or a \`/chorebot resume ${id}\` comment.\n`;
}

/** An interrupted run waits for a person: what each choice does, and where to make it. */
function decideParagraph(runId: string, step: string | null, view: View): string {
  const name = step === null ? "the lost step" : stepName(clip(step, Math.min(100, view.lineLimit)));
  const ways = decideWays(runId.replace(/`/g, ""), (text) => `\`${text}\``);
  return `**A person decides:** nothing was re-run on its own. ${resumeWords(name)}; ${rollbackWords(name)}. Decide with ${ways.slice(0, -1).join(", ")}, or ${ways[ways.length - 1]}.\n`;
}

/** Who decided what while the run was parked (logins as text: the comment mentions nobody). */
function decisionsParagraph(decisions: NonNullable<ExecutionResult["decisions"]>, view: View): string {
  const name = (text: string) => stepName(clip(text, Math.min(100, view.lineLimit)));
  const said = decisions.map((d) => decisionSentence(d, name));
  return `**Decisions:** ${inert(said.join("; "))}.\n`;
}

/** Text whose `@name` and `#12` GitHub leaves as text: a zero-width joiner after each sign. */
function inert(text: string): string {
  return text.replace(/@/g, "@\u200d").replace(/#(?=\d)/g, "#\u200d");
}

/** A step's name in a code span, or escaped text when a span cannot hold it. */
function stepName(name: string): string {
  return /[`\r\n]/.test(name) || name.trim() === "" ? markdownText(name) : `\`${name}\``;
}

function outputSection(run: ExecutionResult, view: View): string {
  const { lines, omittedBytes, omittedAt } = run.output;
  if (lines.length === 0 && omittedBytes === 0) {
    return run.status === "refused" ? "_Nothing ran, so there is no output._\n" : "_The script printed nothing._\n";
  }
  if (view.lines === 0) return "_The output is in the run log._\n";

  // Only the last captured lines can end up in the tail (each is at least one shown line);
  // rendering just those keeps the timestamps aligned to the tail, not the whole output.
  const start = Math.max(0, lines.length - view.lines);
  const gapHere = omittedBytes > 0 && omittedAt !== null && omittedAt >= start;
  const shown = outputEntries({
    lines: lines.slice(start),
    omittedBytes: gapHere ? omittedBytes : 0,
    omittedAt: gapHere ? omittedAt - start : null,
  }).flatMap((e) => (e.kind === "line" ? e.text.split("\n") : [`… ${e.omittedBytes} bytes of output omitted …`]));
  const tail = shown.slice(-view.lines).map((line) => clip(line, view.lineLimit));
  const complete = start === 0 && tail.length === shown.length && omittedBytes === 0;

  const intro = complete ? "Output:" : `Last ${tail.length} ${tail.length === 1 ? "line" : "lines"} of output (the run log has more):`;
  return `${intro}\n\n${fence(tail.join("\n"), "text")}`;
}

function ending(run: ExecutionResult, escape: (s: string) => string): string {
  const parts = [run.exitCode === null ? null : `exit code ${run.exitCode}`, run.signal === null ? null : `signal ${escape(run.signal)}`].filter(
    (s) => s !== null,
  );
  return parts.length === 0 ? "" : `, ${parts.join(", ")}`;
}

/** Shortens to at most `max` characters (ellipsis included), never splitting a surrogate pair. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** GitHub's own URLs, made safe as a link's target (the log's path is in them). */
function linkUrl(url: string): string {
  return linkTarget(url) ?? encodeURIComponent(url);
}
