import type { ExecutionResult } from "../run-types.js";
import { decideWays, interruptedStep, resumeWords, rollbackWords } from "./interrupted-words.js";
import { markdownText } from "./markdown-text.js";

/**
 * What a person reads first in the log of a run that waits for someone: for an interrupted
 * attempt, the step that was lost, that nothing re-ran on its own, and how to decide; for a
 * waiting one (never committed as a final log, but the words exist), what it waits for.
 * None for any other status.
 */
export function parkedParagraph(run: ExecutionResult, runId: string): string[] {
  const iteration = run.report?.iteration;
  if (iteration && !iteration.finished && (run.status === "interrupted" || run.status === "failed" || run.status === "timed_out")) {
    const after = Math.max(iteration.checkpoint?.done ?? 0, iteration.resumedFrom?.done ?? 0);
    const how = run.status === "interrupted" ? "was interrupted: its worker was lost while it ran" : `stopped (${run.status.replace("_", " ")})`;
    const again =
      iteration.inFlight === null ? "" : ` (the items of batch ${iteration.inFlight.seq}, which was in flight, may be processed again; none before them)`;
    return [
      `> [!IMPORTANT]\n` +
        `> The iteration ${how}. Nothing was re-run on its own, and nothing will be: a person decides.\n` +
        `> Resume goes on after item ${after.toLocaleString("en-US")}${again}; an iteration has no Roll back: to give up on it, cancel it.\n` +
        `> Resume on the run's page, with ${code(`chorebot resume ${runId}`)}, ${code(`POST /api/runs/${runId}/resume`)}, or a ${code(`/chorebot resume ${runId}`)} comment.\n`,
    ];
  }
  if (run.status === "interrupted") {
    const found = interruptedStep(run.report?.workflow);
    const step = found === null ? "the step that was running" : `step ${code(found)}`;
    const named = found === null ? "the lost step" : code(found);
    const ways = decideWays(runId, code);
    return [
      `> [!IMPORTANT]\n` +
        `> ${capitalize(step)} was interrupted: its worker was lost while it ran. Nothing was re-run on its own, and nothing will be: a person decides.\n` +
        `> ${resumeWords(named)}; ${rollbackWords(named)}.\n` +
        `> Decide with ${ways.slice(0, -1).join(", ")}, or ${ways[ways.length - 1]}.\n`,
    ];
  }
  if (run.status === "waiting") {
    const waits = [...(run.report?.workflow?.entries ?? [])].reverse().find((e) => e.outcome === "waiting" && e.wait !== undefined);
    const what = waits?.wait ? `Step ${code(waits.step)} waits for the signal ${code(waits.wait.signal)}` : "The run waits for a decision";
    return [`> [!NOTE]\n> ${what}: it goes on in a fresh process once the signal arrives, and rolls back if it does not in time.\n`];
  }
  return [];
}

function code(text: string): string {
  if (text.trim() === "" || /[`\r\n]/.test(text)) return markdownText(text);
  return `\`${text}\``;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
