import { readLiveState } from "../pipeline/live-state.js";
import type { RunStatus } from "../run-types.js";
import type { ParkedRun } from "../stores/parked-runs.js";
import { explainFailure, type FailedJob } from "./explain-failure.js";
import { iterationProgressLine } from "../runlog/iteration-words.js";

/** A job as Bull Board hands it to the `name` formatter: BullMQ's job JSON. */
export interface TitledJob extends Partial<FailedJob> {
  name?: string;
  returnvalue?: unknown;
  progress?: unknown;
}

const STATUS_WORDS: Record<RunStatus, string> = {
  succeeded: "succeeded",
  failed: "failed",
  timed_out: "timed out",
  cancelled: "cancelled",
  lost: "lost",
  refused: "refused",
  rolled_back: "rolled back",
  rollback_failed: "rollback failed",
  waiting: "waiting",
  interrupted: "interrupted",
  paused: "paused",
};

const MESSAGE_MAX = 140;

/**
 * The name a job shows in the dashboard: its own (the script's path, or the push) followed by
 * how it ended or why it waits, so that a script that failed looks failed even though its
 * execute job completed (a script's failure is a result, never a failed job):
 * `scripts/fix.ts — ✗ failed: connection refused`, `— ✓ succeeded`, `— ✗ timed out after 900 s`,
 * `— ⊘ cancelled by alice`, `— ◷ waiting: self lock held by …`. A job that failed says which
 * step failed (see explainFailure); one still running or queued keeps its bare name.
 */
export function jobTitle(queue: string, job: TitledJob, parked: ParkedRun | null = null): string {
  const name = job.name ?? "";
  // A parked run's execute job is delayed (waiting) or failed (interrupted): the record says why better than the job.
  // Who paused an iteration is in its live state, as its worker last wrote it (the parked record names who asked for the run).
  const state = queue === "execute" && parked !== null ? parkedTitle(parked, readLiveState(job.progress).iteration?.pauseRequestedBy) : stateOf(queue, job);
  return state === null ? name : `${name} — ${state}`;
}

/**
 * "⏳ waiting for approved (step charge)", "⏸ interrupted at step charge: Resume or Roll back on its page",
 * "⏸ paused by @ana: Resume on its page" (an iteration; `pausedBy` who asked it to pause, when known).
 */
export function parkedTitle(parked: ParkedRun, pausedBy?: string): string {
  if (parked.kind === "paused") {
    const by = pausedBy;
    return `⏸ paused${by === undefined ? "" : ` by @${oneLine(by)}`}: Resume on its page`;
  }
  if (parked.kind === "interrupted" && parked.step === null) {
    return `⏸ ${parked.failure ? `failed (${oneLine(parked.failure)})` : "interrupted"}: Resume on its page goes on from the last checkpoint`;
  }
  if (parked.kind === "interrupted") {
    const at = parked.step === null ? "" : ` at step ${oneLine(parked.step)}`;
    return `⏸ interrupted${at}: Resume or Roll back on its page`;
  }
  if (parked.signal === "approval" && parked.approval) {
    return `⏳ waiting for approval (${parked.approval.approvals.length} of ${parked.approval.count} given)`;
  }
  const step = parked.step === null ? "" : ` (step ${oneLine(parked.step)})`;
  return `⏳ waiting for ${oneLine(parked.signal ?? "a decision")}${step}`;
}

/** How a run ended, as the dashboard says it: a mark and the status in words, with its message. */
export function outcomeLabel(status: string, message: string | null | undefined): string {
  const words = STATUS_WORDS[status as RunStatus] ?? status;
  const mark = status === "succeeded" ? "✓" : status === "refused" || status === "cancelled" ? "⊘" : status === "rolled_back" ? "↩" : "✗";
  const said = message ? oneLine(message) : "";
  if (status === "succeeded" || said === "") return `${mark} ${words}`;
  // "timed out after 900 s" and "cancelled by alice" say it already.
  return `${mark} ${said.toLowerCase().startsWith(words) ? said : `${words}: ${said}`}`;
}

function stateOf(queue: string, job: TitledJob): string | null {
  if (job.failedReason) return explainFailure(queue, { ...job, failedReason: job.failedReason }).title;
  const value = job.returnvalue;
  if (value !== null && typeof value === "object") {
    const returned = value as Record<string, unknown>;
    if (queue === "execute" && typeof returned.status === "string") {
      return outcomeLabel(returned.status, typeof returned.message === "string" ? returned.message : null);
    }
    if (queue === "process") return processed(returned);
    if (queue === "cleanup" && typeof returned.status === "string") return recorded(returned);
    if (queue === "discover" && Array.isArray(returned.runIds)) {
      const n = returned.runIds.length;
      return n === 0 ? "no script to run" : `✓ ${n} script${n === 1 ? "" : "s"} queued`;
    }
    return null;
  }
  if (queue === "execute") {
    const live = readLiveState(job.progress);
    if (live.cancelledBy !== undefined) return `⊘ cancelling: asked by ${oneLine(live.cancelledBy)}`;
    if (live.waiting !== undefined) return `◷ waiting: ${oneLine(live.waiting)}`;
    if (live.iteration !== undefined) {
      const asked = live.iteration.pauseRequestedBy;
      return `▶ ${iterationProgressLine(live.iteration)}${asked === undefined ? "" : ` · pause asked by @${oneLine(asked)}`}`;
    }
  }
  return null;
}

/** A completed process job: bundled, or why the script will not run. */
function processed(result: Record<string, unknown>): string | null {
  if (typeof result.alreadyHandled === "string") return `not run again: ${oneLine(result.alreadyHandled)}`;
  const problem = result.problem as { status?: unknown; message?: unknown } | null | undefined;
  if (problem && typeof problem.status === "string") return outcomeLabel(problem.status, typeof problem.message === "string" ? problem.message : null);
  return "✓ bundled";
}

/** A completed cleanup job: the log landed, and how the run it records ended. */
function recorded(result: Record<string, unknown>): string {
  const run = `the run ${STATUS_WORDS[result.status as RunStatus] ?? String(result.status)}`;
  if (result.commit === null) return `nothing recorded: the run was recorded before`;
  const pull = result.cleanupPullRequest as { number?: unknown } | null | undefined;
  if (pull && typeof pull.number === "number") return `✓ log proposed in pull request #${pull.number} (${run})`;
  return `✓ log committed (${run})`;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MESSAGE_MAX ? `${line.slice(0, MESSAGE_MAX - 1)}…` : line;
}
