import type { JobState } from "bullmq";

/** Where a run is before its final status is known. */
export const LIVE_PHASES = ["queued", "waiting", "running", "recording"] as const;
export type LivePhase = (typeof LIVE_PHASES)[number];

/** A live phase, or `finished`: the cleanup recording the latest attempt completed, its final status is known. */
export type RunPhase = LivePhase | "finished";

/**
 * The phase of a run's latest attempt, from the state of its execute job and of the cleanup
 * job that records that attempt (only looked at once execute is done). The one place job
 * states become a phase: the runs API and cancel requests both ask here.
 * - no execute job, or execute waiting for its `process` child: `queued` (nothing of the
 *   attempt has been done yet);
 * - execute waiting, delayed (e.g. for a concurrency lock) or prioritized: `waiting`;
 * - execute active: `running`;
 * - execute done, its cleanup not (yet) completed: `recording`;
 * - both done: `finished`.
 */
export function runPhase(execute: JobState | "unknown", recorder: JobState | "unknown"): RunPhase {
  switch (execute) {
    case "unknown":
    case "waiting-children":
      return "queued";
    case "waiting":
    case "delayed":
    case "prioritized":
      return "waiting";
    case "active":
      return "running";
    case "completed":
    case "failed":
      return recorder === "completed" ? "finished" : "recording";
  }
}
