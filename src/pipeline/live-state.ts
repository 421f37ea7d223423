import type { Job } from "bullmq";
import type { CheckpointView } from "../run-types.js";
import { readIterationLive } from "./iteration-progress.js";

/**
 * A run's live state: what its execute job shows while the run waits or runs, kept as that
 * job's BullMQ progress, one JSON object. takeTurn and liveReport write it; /api/runs,
 * /metrics and the dashboard read it. The human job log lines say the same for people, and
 * nothing reads them back.
 *
 * `progress` is the one number to show (/api/runs reports it), the rest says what it is made
 * of. The dashboard shows it through src/dashboard/progress-view.ts: Bull Board draws a job
 * card's ring from a numeric `progress` field, so there it is `percent` (no ring without a
 * total), and the Progress tab shows the whole state after a one-line summary.
 *
 * During a rolling upgrade the previous release reads it too: it took a progress with a
 * `waiting` key as "waits for a lock", so that key is there only while the run waits. It
 * wrote a bare number (the percentage, or the count done without a total) and `{ waiting }`:
 * readLiveState takes both.
 */
export interface LiveState {
  /**
   * The attempt it describes: a retried job keeps the last attempt's state until the new one
   * writes its own. Null when the previous release wrote it.
   */
  attempt: number | null;
  /** The number to show: the percentage done when the script gave a total, else the count done; null before it reported progress. */
  progress: number | null;
  /** The script's last `progress({ done, total })`, and the percentage when there is a total. */
  done: number | null;
  total: number | null;
  percent: number | null;
  /** The script's counters, each at its latest value (a value that would show a secret is never shown). */
  counters: Record<string, number>;
  /** How many lines the script logged so far (the job log keeps the first few hundred). */
  logLines: number;
  /** Why the run waits to start (e.g. `self lock held by …`); absent when it does not wait. */
  waiting?: string;
  /** Who asked to cancel the run; absent when nobody did. */
  cancelledBy?: string;
  /** An iteration's progress (see IterationLive); absent for any other script. */
  iteration?: IterationLive;
}

/** An iteration as it goes: what /api/runs, the dashboard and the run page show. */
export interface IterationLive {
  batchSize: number;
  total: number | null;
  /** Items processed in the run so far: the checkpointed ones and those of the batch in flight. */
  done: number;
  checkpoint: CheckpointView | null;
  /** The batch being processed now: its number, its first item's number (1-based, in the run), and how many of its items are done. */
  inFlight: { seq: number; from: number; items: number } | null;
  /** Items per second since this process started (null until it has processed one); `etaMs` from it and `total` (null without either). */
  rate: number | null;
  etaMs: number | null;
  /** Who asked it to pause, while it finishes its current batch. */
  pauseRequestedBy?: string;
}

/** The state of an attempt that has reported nothing yet. */
export function liveState(attempt: number | null): LiveState {
  return { attempt, progress: null, done: null, total: null, percent: null, counters: {}, logLines: 0 };
}

/** The state's progress fields for the script's report of `done` of `total` (a total of 0 or null is no total). */
export function progressOf(done: number, total: number | null): Pick<LiveState, "progress" | "done" | "total" | "percent"> {
  const percent = total ? Math.round((100 * done) / total) : null;
  return { progress: percent ?? done, done, total, percent };
}

/** Makes `state` the job's progress. */
export async function writeLiveState(job: Pick<Job, "updateProgress">, state: LiveState): Promise<void> {
  // Absent, not undefined: JSON drops it either way, but a reader of `job.progress` in this process sees no key.
  const { waiting, cancelledBy, iteration, ...rest } = state;
  await job.updateProgress({
    ...rest,
    counters: { ...state.counters },
    ...(waiting === undefined ? {} : { waiting }),
    ...(cancelledBy === undefined ? {} : { cancelledBy }),
    ...(iteration === undefined ? {} : { iteration }),
  });
}

/**
 * The live state in a job's progress, whatever wrote it: this release (each field checked,
 * a malformed one left at its empty value), the previous one (a bare number, `{ waiting }`),
 * or nobody (`0`, BullMQ's default, reads as no progress at all).
 */
export function readLiveState(progress: unknown): LiveState {
  if (typeof progress === "number") {
    return Number.isFinite(progress) && progress !== 0 ? { ...liveState(null), progress } : liveState(null);
  }
  if (typeof progress !== "object" || progress === null || Array.isArray(progress)) return liveState(null);
  const value = progress as Record<string, unknown>;
  const state: LiveState = {
    attempt: Number.isInteger(value.attempt) && (value.attempt as number) > 0 ? (value.attempt as number) : null,
    progress: finiteOrNull(value.progress),
    done: finiteOrNull(value.done),
    total: finiteOrNull(value.total),
    percent: finiteOrNull(value.percent),
    counters: countersOf(value.counters),
    logLines: Number.isInteger(value.logLines) && (value.logLines as number) >= 0 ? (value.logLines as number) : 0,
  };
  if (typeof value.waiting === "string") state.waiting = value.waiting;
  if (typeof value.cancelledBy === "string") state.cancelledBy = value.cancelledBy;
  const iteration = readIterationLive(value.iteration);
  if (iteration !== null) state.iteration = iteration;
  return state;
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function countersOf(value: unknown): Record<string, number> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, number] => typeof entry[1] === "number" && Number.isFinite(entry[1])));
}
