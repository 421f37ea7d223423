import { Job, type JobState } from "bullmq";
import type { CleanupJobData, RunJobData } from "../pipeline/job-data.js";
import type { RunQueues } from "./run-status-reader.js";

/**
 * Why a run that has not started waits, in words, for a `queued` run (its execute job waits
 * for its process step) and for a `waiting` run whose live state gives no reason (a lock or a
 * freeze writes one: live-state.ts). A merge's scripts form one chain (enqueue-run.ts): a
 * run's process step waits for the previous run's cleanup, which is named.
 */
export async function queuedReason(queues: RunQueues, processJob: Job<RunJobData> | undefined, processState: JobState | "unknown"): Promise<string> {
  if (processJob === undefined || processState === "unknown") return "waits to be queued: its jobs are being added";
  if (processState === "failed") return "will not start: its process step failed";
  if (processState !== "waiting-children") return "waits for its process step (reading the script, checking its approvals, bundling it)";
  const previous = await previousRun(queues, processJob);
  if (previous === null) return "waits for the run before it in its merge to be recorded: a merge's scripts run one at a time, in path order";
  const { runId, script, state } = previous;
  if (state === "failed") return `waits for run ${runId} (${script}), whose recording failed: retry its cleanup job on the dashboard`;
  return `waits for run ${runId} (${script}) to finish and be recorded: a merge's scripts run one at a time, in path order`;
}

/** Why a `waiting` run waits when its live state says nothing (no lock, no freeze). */
export function idleReason(executeState: JobState | "unknown"): string {
  if (executeState === "delayed") return "waits until its job's delay ends, to check again whether it may start";
  return "waits for a free worker: every worker is busy with other runs";
}

/** The run whose cleanup job the process job `job` waits for, if it still exists. */
async function previousRun(queues: RunQueues, job: Job<RunJobData>): Promise<{ runId: string; script: string; state: JobState | "unknown" } | null> {
  const { unprocessed = [] } = await job.getDependencies({ unprocessed: { count: 10 } });
  // A dependency is named by its job's key: "<prefix>:cleanup:<job id>".
  const cleanupKey = queues.cleanup.toKey("");
  for (const key of unprocessed) {
    if (!key.startsWith(cleanupKey)) continue;
    const cleanup = await Job.fromId<CleanupJobData>(queues.cleanup, key.slice(cleanupKey.length));
    if (!cleanup) continue;
    return { runId: cleanup.data.runId, script: cleanup.data.target.path, state: await cleanup.getState() };
  }
  return null;
}
