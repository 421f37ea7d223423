import type { IterationReport, RunDecision, RunStatus } from "../run-types.js";
import { decisionSentence } from "./decision-words.js";
import { markdownText } from "./markdown-text.js";

/** What a machine wants of an iteration in the front matter: items processed (of the total), batches checkpointed, where Resume goes on. */
export function iterationFrontMatter(report: IterationReport | undefined): Record<string, unknown> {
  if (!report) return {};
  const { checkpointed, inFlight } = counts(report);
  return {
    items_processed: checkpointed + inFlight,
    items_checkpointed: checkpointed,
    items_total: report.total,
    batches: Math.max(report.checkpoint?.seq ?? 0, report.resumedFrom?.seq ?? 0),
    batch_size: report.batchSize,
    iteration_finished: report.finished,
  };
}

/**
 * The log's Iteration section: how many items were processed (of the total) in batches of N,
 * the last checkpoint, and when the run did not finish the batch in flight (its items may be
 * processed again) and where Resume goes on; then every pause, resume and interruption in
 * order, with who and when. Everything a script controls (the cursor) is escaped. None for any
 * other script.
 */
export function iterationSections(report: IterationReport | undefined, o: { status: RunStatus; decisions?: readonly RunDecision[] | undefined }): string[] {
  if (!report) return [];
  const { checkpointed, inFlight } = counts(report);
  const of = report.total === null ? "" : ` of ${number(report.total)}`;
  const lines = [`**${number(checkpointed + inFlight)}${of} items** processed, in batches of ${number(report.batchSize)}.`];
  if (report.resumedFrom !== null) {
    lines.push(`This attempt went on after item ${number(report.resumedFrom.done)} (batch ${number(report.resumedFrom.seq)}), where an earlier one stopped.`);
  }
  const checkpoint = report.checkpoint;
  if (checkpoint === null) lines.push("No batch was checkpointed.");
  else {
    lines.push(
      `Last checkpoint: batch ${number(checkpoint.seq)}, after item ${number(checkpoint.done)}, at ${markdownText(checkpoint.at)}; cursor ${cursor(checkpoint.cursor)}.`,
    );
  }
  if (report.finished) lines.push("Every item was processed.");
  else {
    if (report.inFlight !== null) {
      const { seq, from, items } = report.inFlight;
      lines.push(
        `Batch ${number(seq)} was in flight (${items === 1 ? `item ${number(from)}` : `items ${number(from)}–${number(from + items - 1)}`} processed, not checkpointed): its items may be processed again on Resume.`,
      );
    }
    if (RESUMABLE.has(o.status)) lines.push(`Resume goes on after item ${number(checkpointed)}: items up to it are never processed again.`);
  }
  if (report.refused > 0) lines.push(`${number(report.refused)} impossible batch reports were refused.`);
  const parts = ["## Iteration\n", `${lines.join("\n")}\n`];
  const history = historyLines(report, o.status, o.decisions ?? []);
  if (history.length > 0) parts.push("### Pauses, resumes and interruptions\n", `${history.map((line, i) => `${i + 1}. ${line}`).join("\n")}\n`);
  return parts;
}

/** An attempt that ended so: its run is parked `interrupted`, and a person's Resume goes on from the checkpoint. */
const RESUMABLE: ReadonlySet<RunStatus> = new Set(["interrupted", "failed", "timed_out"]);

/**
 * The pauses, resumes and interruptions from the decisions: a pause is recorded when asked, a
 * resume when taken. A resume no pause came before went on after an interruption (a lost
 * worker or a failed attempt); a pause nothing came after while the run finished came too late.
 */
function historyLines(report: IterationReport, status: RunStatus, decisions: readonly RunDecision[]): string[] {
  const lines: string[] = [];
  const relevant = decisions.filter((d) => d.kind === "pause" || d.kind === "resume" || d.kind === "cancel");
  let pauseOpen = false;
  relevant.forEach((d, i) => {
    const said = decisionSentence(d, name, (by) => `@${markdownText(by)}`);
    if (d.kind === "pause") {
      const next = relevant.slice(i + 1).find((later) => later.kind === "resume" || later.kind === "cancel");
      const last = next === undefined;
      // The decider says what a Resume resumed: an interrupted run never paused for the pause before it.
      if (next?.kind === "resume" && next.from === "interrupted") {
        lines.push(`${capitalize(said)}; the attempt ended before its next checkpoint, so it never paused.`);
        return;
      }
      if (last && report.finished && !report.paused) lines.push(`${capitalize(said)}; the run finished during its last batch, so it never paused.`);
      else if (last && !report.paused && status !== "paused")
        lines.push(`${capitalize(said)}; the attempt ended before its next checkpoint, so it never paused.`);
      else lines.push(`${capitalize(said)}: it paused after its batch in flight, its checkpoint kept.`);
      pauseOpen = true;
    } else if (d.kind === "resume") {
      const paused = d.from === undefined ? pauseOpen : d.from === "paused";
      lines.push(paused ? `${capitalize(said)}: it went on from its checkpoint.` : `Interrupted, then ${said}: it went on from its last checkpoint.`);
      pauseOpen = false;
    } else {
      lines.push(`${capitalize(said)}.`);
    }
  });
  if (status === "interrupted") lines.push("Interrupted: its worker was lost during the batch in flight. Nothing went on by itself: a person's Resume does.");
  else if (status === "failed" || status === "timed_out")
    lines.push(`Stopped (${status.replace("_", " ")}) during the batch in flight: a person's Resume goes on from the checkpoint.`);
  return lines;
}

function counts(report: IterationReport): { checkpointed: number; inFlight: number } {
  const checkpointed = Math.max(report.checkpoint?.done ?? 0, report.resumedFrom?.done ?? 0);
  return { checkpointed, inFlight: report.finished ? 0 : (report.inFlight?.items ?? 0) };
}

/** A cursor (JSON, redacted and cut already) in a code span where it reads as written; one a span cannot hold as escaped text. */
function cursor(text: string): string {
  if (text.trim() === "" || /[`\r\n]/.test(text)) return markdownText(text);
  return `\`${text}\``;
}

function name(text: string): string {
  if (text.trim() === "" || /[`\r\n]/.test(text)) return markdownText(text);
  return `\`${text}\``;
}

function number(n: number): string {
  return Number.isFinite(n) ? n.toLocaleString("en-US") : "?";
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
