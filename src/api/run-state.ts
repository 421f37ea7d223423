// The pure parts of a run's status: which phase its jobs' states put it in, and the live
// numbers its execute job carries (progress, counters log lines).
import { RUN_STATUSES, type ExecutionReport, type RunStatus } from "../run-types.js";

/** Where a run is before its final status is known. */
export const LIVE_STATUSES = ["queued", "waiting", "running", "recording"] as const;
export type LiveStatus = (typeof LIVE_STATUSES)[number];
export type RunStatusName = RunStatus | LiveStatus;
export const STATUS_NAMES: readonly RunStatusName[] = [...RUN_STATUSES, ...LIVE_STATUSES];

/** A BullMQ job state, `unknown` for a job that does not exist. */
export type JobStateName = string;

/** A live status, or `finished`: the latest attempt's cleanup completed, its final status is known. */
export type RunPhase = LiveStatus | "finished";

/**
 * The phase of a run's latest attempt from the state of its execute job and of the cleanup
 * job that records that attempt (the run id for attempt 1, `<run>-attempt-N` for retries;
 * only looked at once execute is done):
 * - execute not yet waiting (its `process` child not done, or no execute job): `queued`;
 * - execute waiting or delayed (e.g. for a concurrency lock): `waiting`;
 * - execute active: `running`;
 * - execute done, its cleanup not (yet) completed: `recording`;
 * - both done: `finished`.
 */
export function runPhase(execute: JobStateName, cleanup: JobStateName): RunPhase {
  switch (execute) {
    case "active":
      return "running";
    case "waiting":
    case "wait":
    case "paused":
    case "delayed":
    case "prioritized":
      return "waiting";
    case "completed":
    case "failed":
      return cleanup === "completed" ? "finished" : "recording";
    default:
      // waiting-children (process not done) or no execute job at all.
      return "queued";
  }
}

/** Why a waiting execute job waits: its progress `{ waiting: reason }` (see takeTurn), else null. */
export function waitingReason(progress: unknown): string | null {
  if (typeof progress !== "object" || progress === null || !("waiting" in progress)) return null;
  return typeof progress.waiting === "string" ? progress.waiting : null;
}

/** A job's numeric progress (a percentage, or the count done when the total is unknown), else null. */
export function numericProgress(progress: unknown): number | null {
  return typeof progress === "number" && Number.isFinite(progress) ? progress : null;
}

/** A finished run's last reported progress, as the live job progress showed it (see liveReport). */
export function reportProgress(progress: ExecutionReport["progress"] | undefined): number | null {
  if (!progress) return null;
  return progress.total ? Math.round((100 * progress.done) / progress.total) : progress.done;
}

const COUNTERS_PREFIX = "counters: ";
const ATTEMPT_START = /^attempt \d+: running /;

/**
 * The counters of a `counters: a=1, b=2` job log line (as liveReport writes it), or null
 * when the line is not one. A name may itself hold `=` or `, `: each pair is split at its
 * last `=`, and a piece without a numeric value is joined back to the name before it.
 */
export function parseCountersLine(line: string): Record<string, number> | null {
  if (!line.startsWith(COUNTERS_PREFIX)) return null;
  const body = line.slice(COUNTERS_PREFIX.length);
  const counters: Record<string, number> = {};
  if (body.trim() === "") return counters;
  let pending = "";
  for (const piece of body.split(", ")) {
    const text = pending === "" ? piece : `${pending}, ${piece}`;
    const eq = text.lastIndexOf("=");
    const value = eq < 0 ? "" : text.slice(eq + 1);
    if (eq <= 0 || !/^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(value)) {
      pending = text;
      continue;
    }
    counters[text.slice(0, eq)] = Number(value);
    pending = "";
  }
  return pending === "" ? counters : null;
}

/**
 * The counters of the attempt running now, from its execute job's log lines, newest first:
 * the newest counters line written since the attempt's `attempt N: running` line (an earlier
 * attempt's counters are not this one's). Null when it reported none yet.
 */
export function latestCounters(logsNewestFirst: readonly string[]): Record<string, number> | null {
  for (const line of logsNewestFirst) {
    if (ATTEMPT_START.test(line)) return null;
    const counters = parseCountersLine(line);
    if (counters !== null) return counters;
  }
  return null;
}
