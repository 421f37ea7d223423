import { createHash } from "node:crypto";
import { stringify } from "yaml";
import { fence } from "./fence.js";
import { linkTarget } from "./link-target.js";
import { markdownText } from "./markdown-text.js";
import { outputEntries, type OutputEntry } from "./output-entries.js";
import type { RunLogInput } from "./run-log.js";
import type { LoggedInput, RunRequest } from "../run-types.js";
import { mergeReportLogs } from "./merge-report-logs.js";
import { reportFrontMatter, reportSections } from "./report-sections.js";
import { requestSection } from "./request-section.js";
import { shortenMiddle } from "./shorten-middle.js";
import { STATUS_HEADLINES } from "./status-headlines.js";
import { formatDuration } from "./format-duration.js";
import { utf8Head, utf8Tail } from "./utf8-slice.js";
import { workflowFrontMatter, workflowSections } from "./workflow-section.js";
import { decisionsFrontMatter, decisionsSection } from "./decisions-section.js";
import { parkedParagraph } from "./parked-paragraph.js";
import { iterationFrontMatter, iterationSections } from "./iteration-section.js";

export const DEFAULT_RUN_LOG_MAX_BYTES = 1024 * 1024;

/** A merged script's reviewed inputs file, for its run's log: its path, and the values the run got (null when it was refused before). */
export interface InputsFileLog {
  inputsFile?: { path: string; inputs: Record<string, LoggedInput> | null };
}

const HEADLINES = STATUS_HEADLINES;

/** What this rendering shows of the run; shortened step by step until the log fits. */
interface View {
  output: OutputEntry[];
  code: { text: string; omittedBytes: number } | null;
  /** Cap on the message and PR title, lowered only when nothing else is left to cut. */
  textLimit: number;
  /** Whether a workflow's state changes are listed: left out only when the output and code are cut and it still does not fit. */
  changes: boolean;
}

/**
 * Renders the Markdown run log committed next to the deleted script: YAML front matter for
 * machines, then a summary, the output and the executed JavaScript for people. Never longer
 * than `maxBytes`: the output is shortened from the middle first, then the code.
 */
export function renderRunLog(input: RunLogInput & InputsFileLog, o: { maxBytes?: number } = {}): string {
  const maxBytes = o.maxBytes ?? DEFAULT_RUN_LOG_MAX_BYTES;
  const entries = outputEntries(mergeReportLogs(input.execution.output, input.execution.report?.logs));
  const code = input.code === null ? null : { text: input.code, omittedBytes: 0 };

  const full = render(input, { output: entries, code, textLimit: Infinity, changes: true }, maxBytes);
  if (byteLength(full) <= maxBytes) return full;

  const shortOutput = fitBudget(maxBytes, (budget) =>
    render(input, { output: cutOutput(entries, budget, maxBytes), code, textLimit: Infinity, changes: true }, maxBytes),
  );
  if (shortOutput !== null) return shortOutput;

  const noOutput = cutOutput(entries, 0, maxBytes);
  const shortCode = fitBudget(maxBytes, (budget) =>
    render(input, { output: noOutput, code: code && cutCode(code.text, budget, maxBytes), textLimit: Infinity, changes: true }, maxBytes),
  );
  if (shortCode !== null) return shortCode;

  // A workflow's state changes go next: the steps, their outcomes and errors stay.
  const noCode = code && cutCode(code.text, 0, maxBytes);
  const noChanges = render(input, { output: noOutput, code: noCode, textLimit: Infinity, changes: false }, maxBytes);
  if (byteLength(noChanges) <= maxBytes) return noChanges;

  // Only a giant message or PR title is left; clip it rather than fail to record the run.
  for (const textLimit of [4096, 256, 0]) {
    const log = render(input, { output: noOutput, code: noCode, textLimit, changes: false }, maxBytes);
    if (byteLength(log) <= maxBytes) return log;
  }
  throw new RangeError(`a run log needs more than ${maxBytes} bytes even without its output and code`);
}

/**
 * Finds a budget for which `renderAt` fits in `maxBytes`, largest first. Rendering is not
 * exactly linear in the budget (markers and fences change length), so it measures and retries.
 */
function fitBudget(maxBytes: number, renderAt: (budget: number) => string): string | null {
  const smallest = renderAt(0);
  const base = byteLength(smallest);
  if (base > maxBytes) return null;
  let budget = maxBytes - base;
  for (let i = 0; i < 20 && budget > 0; i++) {
    const log = renderAt(budget);
    const size = byteLength(log);
    if (size <= maxBytes) return log;
    budget -= Math.max(size - maxBytes, 64);
  }
  return smallest;
}

function cutOutput(entries: OutputEntry[], budget: number, maxBytes: number): OutputEntry[] {
  const { head, tail, dropped } = shortenMiddle(entries, budget, (e) => byteLength(entryText(e, maxBytes)) + 1);
  if (dropped.length === 0) return entries;
  let omittedBytes = 0;
  let lines = 0;
  for (const e of dropped) {
    omittedBytes += e.kind === "line" ? e.bytes : e.omittedBytes;
    lines += e.kind === "line" ? 1 : e.lines;
  }
  return [...head, { kind: "gap", omittedBytes, lines, reason: "size-cap", placed: true }, ...tail];
}

function cutCode(text: string, budget: number, maxBytes: number): { text: string; omittedBytes: number } {
  const total = byteLength(text);
  if (total <= budget) return { text, omittedBytes: 0 };
  // Cut at line ends when one is near, so the kept code still reads as code.
  let head = utf8Head(text, Math.floor(budget / 2));
  const headEnd = head.lastIndexOf("\n");
  if (headEnd >= head.length / 2) head = head.slice(0, headEnd + 1);
  let tail = utf8Tail(text, Math.floor(budget / 2));
  const tailStart = tail.indexOf("\n");
  if (tailStart >= 0 && tailStart < tail.length / 2) tail = tail.slice(tailStart + 1);
  const omittedBytes = total - byteLength(head) - byteLength(tail);
  const marker = `// … ${omittedBytes} bytes of the executed JavaScript omitted to keep this log under ${maxBytes} bytes …`;
  const joined = `${head}${head === "" || head.endsWith("\n") ? "" : "\n"}${marker}\n${tail}`;
  return { text: joined, omittedBytes };
}

function entryText(entry: OutputEntry, maxBytes: number): string {
  if (entry.kind === "line") return entry.text;
  if (entry.reason === "size-cap") {
    return `… ${entry.omittedBytes} bytes (${entry.lines} lines) of output omitted to keep this log under ${maxBytes} bytes …`;
  }
  return entry.placed
    ? `… ${entry.omittedBytes} bytes of output omitted …`
    : `… ${entry.omittedBytes} bytes of output omitted from the middle of the output (the capture did not record where) …`;
}

function render(input: RunLogInput & InputsFileLog, view: View, maxBytes: number): string {
  const { execution: run, pullRequest: pr } = input;
  const clip = (text: string) => (text.length > view.textLimit ? `${text.slice(0, view.textLimit)}…` : text);
  const message = run.message === null ? null : clip(run.message);
  const outputOmitted = view.output.reduce((sum, e) => sum + (e.kind === "gap" ? e.omittedBytes : 0), 0);

  const chore = input.chore;
  const frontMatter: Record<string, unknown> = {
    script: input.script,
    repository: input.repository,
    commit: input.commit,
    ...(input.trigger === undefined ? {} : { trigger: input.trigger }),
    ...(chore === undefined ? {} : { chore: chore.name, ...requestFrontMatter(chore.request) }),
    ...(chore?.request.name === undefined ? {} : { run_name: chore.request.name }),
    ...(chore?.request.comment === undefined ? {} : { comment_url: chore.request.comment.url }),
    pull_request: pr?.number ?? null,
    pull_request_url: pr?.url ?? null,
    pull_request_title: pr === null ? null : clip(pr.title),
    author: pr?.author ?? null,
    approved_by: input.approvedBy,
    status: run.status,
    ...(message === null ? {} : { message }),
    exit_code: run.exitCode,
    signal: run.signal,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    duration_ms: run.durationMs,
    run_id: input.runId,
    job_ids: input.jobIds,
    attempt: input.attempt,
    runner: input.runner,
    output_omitted_bytes: outputOmitted,
    code_bytes: input.code === null ? null : byteLength(input.code),
    code_sha256: input.code === null ? null : createHash("sha256").update(input.code).digest("hex"),
    code_omitted_bytes: view.code?.omittedBytes ?? 0,
    ...reportFrontMatter(run.report),
    ...workflowFrontMatter(run.report?.workflow),
    ...iterationFrontMatter(run.report?.iteration),
    ...decisionsFrontMatter(run.decisions),
    // What the person gave, as logged: the values the script parsed would show an upload's temporary path.
    ...(chore === undefined ? {} : { inputs: chore.request.inputs }),
    ...(input.inputsFile === undefined ? {} : { inputs_file: input.inputsFile.path }),
  };
  // yaml-1.1 compat quotes values like `yes` and `on` that older front matter parsers misread.
  const yaml = stringify(frontMatter, { compat: "yaml-1.1", lineWidth: 0 });

  const headline = HEADLINES[run.status];
  const parts = [
    `---\n${yaml}---\n`,
    `# ${headline.emoji} ${markdownText(input.script)} ${headline.verb}\n`,
    `${summary(input, headline.label, message)}\n`,
    ...parkedParagraph(run, input.runId),
  ];

  const sizeCapped = view.output.some((e) => e.kind === "gap" && e.reason === "size-cap");
  const changesCut = !view.changes && (run.report?.workflow?.entries.some((e) => e.changes.length > 0) ?? false);
  if (sizeCapped || (view.code?.omittedBytes ?? 0) > 0 || view.textLimit !== Infinity || changesCut) {
    const cut = [
      sizeCapped ? "output was shortened from the middle" : null,
      (view.code?.omittedBytes ?? 0) > 0 ? "the executed JavaScript was shortened from the middle" : null,
      changesCut ? "the workflow's state changes were left out" : null,
      view.textLimit !== Infinity ? "the message and pull request title were clipped" : null,
    ].filter((s) => s !== null);
    parts.push(`> [!WARNING]\n> This log was shortened to stay under ${maxBytes} bytes: ${cut.join("; ")}.\n`);
  }

  if (chore !== undefined) parts.push(...requestSection(chore.request.inputs));
  else if (input.inputsFile !== undefined) parts.push(...requestSection(input.inputsFile.inputs ?? {}, inputsFileSentence(input.inputsFile)));
  const given = chore !== undefined || (input.inputsFile?.inputs ?? null) !== null;
  parts.push(...reportSections(given && run.report ? { ...run.report, inputs: null } : run.report));
  parts.push(...workflowSections(run.report?.workflow, { changes: view.changes, status: run.status }));
  parts.push(...iterationSections(run.report?.iteration, { status: run.status, decisions: run.decisions }));
  parts.push(...decisionsSection(run.decisions));
  parts.push("## Output\n");
  if (view.output.length === 0) {
    parts.push(run.status === "refused" ? "_Nothing ran, so there is no output._\n" : "_The script printed nothing._\n");
  } else {
    parts.push(fence(view.output.map((e) => entryText(e, maxBytes)).join("\n"), "text"));
  }

  parts.push("## Executed JavaScript\n");
  if (view.code === null) {
    parts.push(run.status === "refused" ? "_Nothing was executed: the script was refused._\n" : "_No executed JavaScript was recorded for this run._\n");
  } else {
    parts.push(fence(view.code.text, "js"));
  }
  return parts.join("\n");
}

/** One paragraph a person reads first: what happened, for how long, who let it through. */
function summary(input: RunLogInput, label: string, message: string | null): string {
  const { execution: run, pullRequest: pr, chore } = input;
  const sentences: string[] = [];
  if (run.status === "refused") {
    sentences.push(`**${label}**: the script was not executed.`);
  } else {
    const ending = [run.exitCode === null ? null : `exit code ${run.exitCode}`, run.signal === null ? null : `signal ${markdownText(run.signal)}`].filter(
      (s) => s !== null,
    );
    sentences.push(`**${label}** after ${formatDuration(run.durationMs)}${ending.length ? `, ${ending.join(", ")}` : ""}.`);
  }
  if (message !== null && message.trim() !== "") {
    const trimmed = message.trim();
    const text = markdownText(trimmed.charAt(0).toUpperCase() + trimmed.slice(1));
    sentences.push(/[.!?…]$/.test(text) ? text : `${text}.`);
  }

  const approvers = input.approvedBy.map((login) => `@${markdownText(login)}`);
  const approval = approvers.length === 0 ? "with no approvals" : `approved by ${listOf(approvers)}`;
  if (chore !== undefined) {
    const scheduled = chore.request.schedule;
    const by =
      scheduled === undefined
        ? `Run on demand by @${markdownText(chore.request.requestedBy)}${askedWhere(chore.request)} (chore ${markdownText(chore.name)}, commit ${markdownText(input.commit)})`
        : `Run on its schedule, for the occurrence of ${new Date(scheduled.occurrenceMs).toISOString()}, try ${scheduled.attempt} of ${scheduled.schedule.retries.attempts} (chore ${markdownText(chore.name)}, commit ${markdownText(input.commit)})`;
    const changed = pr === null ? null : `its code last changed in ${prLink(pr)} “${markdownText(pr.title)}” by @${markdownText(pr.author)}`;
    sentences.push(`${by}; ${changed === null ? approval : `${changed}, ${approval}`}.`);
  } else if (input.jobIds === null) {
    // `chorebot run` on someone's machine: nothing was merged or reviewed, and that is fine.
    sentences.push(`Run locally with \`chorebot run\` from the working tree at ${markdownText(input.commit)}.`);
  } else if (pr === null) {
    sentences.push(`No merged pull request was found for commit ${markdownText(input.commit)}; ${approval}.`);
  } else {
    sentences.push(`Merged in ${prLink(pr)} “${markdownText(pr.title)}” by @${markdownText(pr.author)}, ${approval}.`);
  }
  sentences.push(`Attempt ${input.attempt} on ${markdownText(input.runner)}, started ${markdownText(run.startedAt)}, run ${markdownText(input.runId)}.`);
  return sentences.join(" ");
}

function prLink(pr: NonNullable<RunLogInput["pullRequest"]>): string {
  return `[#${pr.number}](${pr.url.replace(/[\s()<>]/g, encodeURIComponent)})`;
}

function listOf(items: string[]): string {
  if (items.length <= 2) return items.join(" and ");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/**
 * Who asked, for the front matter: a person and when, or for a scheduled try its scheduler,
 * occurrence and try (`schedule` is no person, so no `requested_by: schedule`).
 */
function requestFrontMatter(request: RunRequest): Record<string, unknown> {
  const scheduled = request.schedule;
  if (scheduled === undefined) return { requested_by: request.requestedBy, requested_at: request.requestedAt };
  return {
    scheduler: scheduled.schedulerId,
    occurrence: new Date(scheduled.occurrenceMs).toISOString(),
    schedule_attempt: scheduled.attempt,
    schedule_attempts: scheduled.schedule.retries.attempts,
  };
}

/** Where an on-demand run was asked for, as the log's first sentence says it. */
function askedWhere(request: RunRequest): string {
  if (request.comment !== undefined) {
    const target = linkTarget(request.comment.url);
    return target === null ? " in a comment" : ` in [a comment](${target})`;
  }
  if (request.trigger === "api") return " through the API";
  return "";
}

/** Where a merged script's values came from, above their table. */
function inputsFileSentence(file: NonNullable<InputsFileLog["inputsFile"]>): string {
  // A code span shows the path as it is (escapes inside one would show); one it cannot hold is escaped text.
  const path = /[`\r\n]/.test(file.path) ? markdownText(file.path) : `\`${file.path}\``;
  return file.inputs === null
    ? `${path} was not used: the run was refused before its values were taken (see above). It is deleted with the script.`
    : `From ${path}, reviewed and approved with the script, and deleted with it; inputs it does not give take their defaults.`;
}
