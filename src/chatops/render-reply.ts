import type { RunStatusName } from "../api/run-status-reader.js";
import type { OutputLine, RunStatus } from "../run-types.js";
import { fence } from "../runlog/fence.js";
import { formatDuration } from "../runlog/format-duration.js";
import { markdownText } from "../runlog/markdown-text.js";
import { STATUS_HEADLINES } from "../runlog/status-headlines.js";
import { stripTerminalEscapes } from "../runner/terminal-escapes.js";
import type { CancelTarget } from "../stores/cancellations.js";
import type { ScriptDescription } from "../sdk/protocol.js";
import { USAGE } from "./parse-command.js";
import { linkTarget } from "../runlog/link-target.js";
import { stepsLine, undoneSentence } from "../runlog/standing-words.js";
import { workflowSummary } from "../runlog/workflow-summary.js";
import type { WorkflowReport } from "../run-types.js";
import type { JudgedEntry } from "../sdk/workflow-outcome.js";

/** How many output lines a reply repeats (the log and the run page have them all), and how long each. */
export const REPLY_OUTPUT_LINES = 10;
const LINE_CHARS = 300;
const RESULT_CHARS = 2000;
const MESSAGE_CHARS = 1000;
const MAX_HELP_CHORES = 50;
const MAX_STEP_NAME_CHARS = 100;

/** A run as its reply shows it: the facts the web part and the workers know, never text read back from a comment. */
export interface RunReply {
  runId: string;
  chore: string;
  /** Who asked for it; null for a run nobody asked for here (a merged script's, or a schedule's). */
  requestedBy: string | null;
  /** How a run nobody asked for started: "a merge" or "its schedule". */
  startedBy?: string;
  name?: string | undefined;
  /** The run's page on the chores pages, when they are served. */
  runPage: string | null;
  status: RunStatusName;
  /** The script's last progress report. */
  progress?: { done: number; total: number | null } | null;
  startedAt?: string | null;
  durationMs?: number | null;
  message?: string | null;
  /** The last lines of output, already redacted. */
  output?: readonly OutputLine[];
  result?: unknown;
  log?: { path: string; url: string | null } | null;
  /** Why the run is not started yet (a `queued` or `waiting` status). */
  waitingReason?: string | null;
  /** A parked run: what decides it (approvals, a signal, or a person's Resume or Roll back), for the commands that do. */
  parked?: "approval" | "signal" | "interrupted" | "interrupted-iteration" | "paused" | null;
  /** A workflow's declared steps and its runs and rollbacks so far (judged here with judgeWorkflow); absent for any other script. */
  workflow?: { declared: WorkflowReport["declared"]; entries: readonly JudgedEntry[] } | null;
}

export interface HelpChore {
  name: string;
  description: ScriptDescription | null;
  /** Why it cannot run (no version may), or null. */
  problem: string | null;
}

/** What a reply says. */
export type Reply =
  | { kind: "run"; run: RunReply }
  | { kind: "refused"; message: string; errors?: Record<string, string>; usage?: boolean; nothingRan?: boolean }
  | { kind: "cancel"; runId: string; target: CancelTarget; by: string }
  | { kind: "help"; repository: string; chores: HelpChore[]; choresPage: string | null }
  /** A decision on a parked run (approve, reject, continue, resume, rollback) or a pause: taken or not, in decideRun's (pauseRun's) words. */
  | { kind: "decided"; runId: string; ok: boolean; message: string; by: string };

/** The body of chorebot's reply to a command. Everything from people (values, names, messages) is made inert: no Markdown, no mentions. */
export function renderReply(reply: Reply): string {
  switch (reply.kind) {
    case "run":
      return renderRun(reply.run);
    case "refused":
      return renderRefusal(reply);
    case "cancel":
      return renderCancel(reply);
    case "help":
      return renderHelp(reply);
    case "decided":
      return renderDecided(reply);
  }
}

function renderRun(run: RunReply): string {
  const final = STATUS_HEADLINES[run.status as RunStatus] as (typeof STATUS_HEADLINES)[RunStatus] | undefined;
  const emoji = final?.emoji ?? (run.status === "running" ? "🏃" : run.status === "recording" ? "📝" : "🕒");
  const parts = [`${emoji} **${text(run.chore)}** · \`${run.status}\` · run ${runLink(run.runId, run.runPage)}`];
  // Only a person is mentioned: `@schedule` would ping whoever holds that login.
  const who = [run.requestedBy === null ? `started by ${run.startedBy ?? "chorebot"}` : `asked for by @${text(run.requestedBy)}`];
  if (run.name !== undefined) who.push(`named \`${code(run.name)}\``);
  if (run.durationMs != null) who.push(`took ${formatDuration(run.durationMs)}`);
  parts.push(`${capitalize(who.join(", "))}.`);
  if (run.waitingReason) parts.push(`Waiting: ${text(clip(run.waitingReason, MESSAGE_CHARS))}.`);
  if (run.parked) parts.push(decidingCommands(run.parked, run.runId));
  if (run.progress) parts.push(`Progress: ${run.progress.done}${run.progress.total === null ? "" : ` of ${run.progress.total}`}.`);
  if (run.message) parts.push(text(clip(run.message, MESSAGE_CHARS)));
  if (run.workflow) parts.push(stepsText(run.workflow));
  const output = run.output ?? [];
  if (output.length > 0) {
    const tail = output.slice(-REPLY_OUTPUT_LINES).map((line) => stripTerminalEscapes(clip(line.text, LINE_CHARS)));
    parts.push(`Last ${tail.length === 1 ? "line" : `${tail.length} lines`} of output:\n\n${fence(tail.join("\n"), "text").trimEnd()}`);
  }
  if (run.result !== undefined && run.result !== null)
    parts.push(`Result:\n\n${fence(clip(JSON.stringify(run.result, null, 2) ?? "null", RESULT_CHARS), "json").trimEnd()}`);
  if (run.log) parts.push(`Run log: ${run.log.url ? `[${text(run.log.path)}](${linkUrl(run.log.url)})` : `\`${code(run.log.path)}\``}.`);
  else if (final) parts.push("The run log is being committed.");
  return `${parts.join("\n\n")}\n`;
}

/** A workflow's steps where they stand, and what a walk back undid and did not. */
function stepsText(workflow: NonNullable<RunReply["workflow"]>): string {
  const summary = workflowSummary(workflow);
  const name = (step: string) => `\`${code(clip(step, MAX_STEP_NAME_CHARS))}\``;
  const undone = undoneSentence(summary, name);
  return `Steps: ${stepsLine(summary, name)}.${undone === null ? "" : `\n\n${capitalize(undone)}.`}`;
}

function renderRefusal(reply: Extract<Reply, { kind: "refused" }>): string {
  const parts = [`🚫 ${text(clip(reply.message, MESSAGE_CHARS))}${reply.nothingRan ? " Nothing was run." : ""}`];
  const errors = Object.entries(reply.errors ?? {});
  if (errors.length > 0) parts.push(errors.map(([name, error]) => `- \`${code(name)}\` ${text(clip(error, MESSAGE_CHARS))}`).join("\n"));
  if (reply.usage) parts.push(`Usage:\n\n${fence(USAGE, "text").trimEnd()}`);
  return `${parts.join("\n\n")}\n`;
}

function renderCancel(reply: { runId: string; target: CancelTarget; by: string }): string {
  const run = `\`${code(reply.runId)}\``;
  switch (reply.target) {
    case "finished":
      return `Run ${run} has already finished: there is nothing to cancel.\n`;
    case "unknown":
      return `🚫 There is no run ${run} here.\n`;
    case "running":
      return `🛑 Run ${run} is being stopped, as @${text(reply.by)} asked. Its reply and its log will say when it has.\n`;
    case "queued":
      return `🛑 Run ${run} will not start, as @${text(reply.by)} asked.\n`;
    default:
      return `🛑 Run ${run} is waiting, not running: it ends without going on (a workflow waiting for a signal rolls back), as @${text(reply.by)} asked.\n`;
  }
}

/** The commands that decide on a parked run. */
function decidingCommands(parked: NonNullable<RunReply["parked"]>, runId: string): string {
  const command = (what: string) => `\`/chorebot ${what} ${code(runId)}\``;
  switch (parked) {
    case "approval":
      return `Another person with the chore's permission approves it with ${command("approve")}, or rejects it with ${command("reject")}.`;
    case "signal":
      return `${command("continue")} (with any name=value after it) delivers the signal it waits for.`;
    case "interrupted":
      return `A person with the chore's permission decides: ${command("resume")} runs the lost step again, ${command("rollback")} rolls back.`;
    case "interrupted-iteration":
      return `A person with the chore's permission decides: ${command("resume")} goes on from its last checkpoint, or cancel it.`;
    case "paused":
      return `${command("resume")} goes on from its checkpoint (a person with the chore's permission).`;
  }
}

function renderDecided(reply: Extract<Reply, { kind: "decided" }>): string {
  const said = text(clip(reply.message.replace(/\.$/, ""), MESSAGE_CHARS));
  return reply.ok ? `✅ Run \`${code(reply.runId)}\`, as @${text(reply.by)} decided: ${said}.\n` : `🚫 Run \`${code(reply.runId)}\`: ${said}.\n`;
}

function renderHelp(reply: { repository: string; chores: HelpChore[]; choresPage: string | null }): string {
  const parts = [`Chores of ${text(reply.repository)} that \`/chorebot run\` can start:`];
  if (reply.chores.length === 0) parts.push("_None: this repository has no chores yet._");
  for (const chore of reply.chores.slice(0, MAX_HELP_CHORES)) {
    const about = chore.description?.description ? ` — ${text(clip(chore.description.description, 300))}` : "";
    const lines = [`- **${text(chore.name)}**${about}${chore.problem ? ` (cannot run now: ${text(clip(chore.problem, 300))})` : ""}`];
    for (const [name, input] of Object.entries(chore.description?.inputs ?? {})) {
      const facts: string[] = [input.type];
      if (input.required) facts.push("required");
      else if (input.default !== undefined) facts.push(`default \`${code(String(input.default))}\``);
      else facts.push("optional");
      if (input.choices) facts.push(`one of ${input.choices.map((choice) => `\`${code(choice)}\``).join(", ")}`);
      if (input.secret) facts.push("secret: give it on the chores page or through the API, never in a comment");
      if (input.type === "file") facts.push("a file: upload it on the chores page or send it through the API");
      lines.push(`  - \`${code(name)}\` (${facts.join(", ")})${input.description ? `: ${text(clip(input.description, 300))}` : ""}`);
    }
    parts.push(lines.join("\n"));
  }
  if (reply.chores.length > MAX_HELP_CHORES) parts.push(`…and ${reply.chores.length - MAX_HELP_CHORES} more.`);
  if (reply.choresPage) parts.push(`All of them, with their forms: ${reply.choresPage}`);
  parts.push(`Usage:\n\n${fence(USAGE, "text").trimEnd()}`);
  return `${parts.join("\n\n")}\n`;
}

function runLink(runId: string, page: string | null): string {
  return page === null ? `\`${code(runId)}\`` : `[\`${code(runId)}\`](${linkUrl(page)})`;
}

/**
 * Untrusted text in a paragraph: no Markdown, and no mention, link or reference GitHub would
 * make of it after rendering: a zero-width joiner after an `@`, inside a URL's scheme and a
 * `www.`, after a `#` before a digit (an issue reference); `&` escaped, so `&#64;` is no `@`.
 */
function text(value: string): string {
  return markdownText(value)
    .replace(/&/g, "\\&")
    .replace(/@/g, "@\u200d")
    .replace(/\b(https?|ftp)(?=:\/\/)/gi, "$1\u200d")
    .replace(/\bwww\./gi, "www\u200d.")
    .replace(/#(?=\d)/g, "#\u200d");
}

/** Untrusted text inside a code span: it cannot close the span or break the line. */
function code(value: string): string {
  return clip(value.replace(/[`\r\n]/g, " "), 200);
}

function capitalize(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}

/** A link's target that cannot end the link early (only http(s): anything else is shown as text). */
function linkUrl(url: string): string {
  return linkTarget(url) ?? encodeURIComponent(url);
}

/** Shortens to at most `max` characters (ellipsis included), never splitting a surrogate pair. */
function clip(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = Math.max(0, max - 1);
  const unit = value.charCodeAt(end - 1);
  if (unit >= 0xd800 && unit <= 0xdbff) end--;
  return `${value.slice(0, end)}…`;
}
