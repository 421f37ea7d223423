import type { Queue } from "bullmq";
import type { Retention } from "../config.js";
import type { MergedPush } from "../github/handle-push.js";
import { githubStepOptions } from "./enqueue-run.js";
import { withFormat } from "./job-format.js";
import { discoverJobId } from "./run-id.js";

/**
 * Queues the discovery of a merge's scripts. The job id is the repository and the pushed
 * commit (discoverJobId), so a redelivered or duplicated webhook adds nothing.
 */
export async function queuePush(queue: Queue, push: MergedPush, settings: { githubStepAttempts: number; retention: Retention }): Promise<string> {
  const jobId = discoverJobId(push);
  // A discover job belongs to no run: BullMQ removes it (`age` is in seconds) when a later one
  // ends, and the retention sweep when none does. Its runs are guarded on their own.
  const keep = {
    removeOnComplete: { age: Math.ceil(settings.retention.completedMs / 1000) },
    removeOnFail: { age: Math.ceil(settings.retention.failedMs / 1000) },
  };
  await queue.add(`${push.owner}/${push.repo}@${push.after.slice(0, 7)}`, withFormat(push), { ...githubStepOptions(settings), ...keep, jobId });
  return jobId;
}
