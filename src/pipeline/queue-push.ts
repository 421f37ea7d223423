import type { Queue } from "bullmq";
import type { Retention } from "../config.js";
import type { MergedPush } from "../github/handle-push.js";
import { githubStepOptions } from "./enqueue-run.js";
import { withFormat } from "./job-format.js";
import type { QueueName } from "./queues.js";
import { discoverJobId } from "./run-id.js";

// Index jobs of one repository replace each other's work: a few are plenty to look into.
const INDEX_JOBS_KEPT = 100;

/** The queues a push adds to. */
export type PushQueues = Pick<Record<QueueName, Queue>, "discover" | "index">;

/**
 * Queues the discovery of a merge's scripts and the indexing of the branch's chores. Both job
 * ids are the repository and the pushed commit (discoverJobId; each in its own queue), so a
 * redelivered or duplicated webhook adds nothing.
 */
export async function queuePush(queues: PushQueues, push: MergedPush, settings: { githubStepAttempts: number; retention: Retention }): Promise<string> {
  const jobId = discoverJobId(push);
  const name = `${push.owner}/${push.repo}@${push.after.slice(0, 7)}`;
  const data = withFormat(push);
  // A discover job belongs to no run: BullMQ removes it (`age` is in seconds) when a later one
  // ends, and the retention sweep when none does. Its runs are guarded on their own.
  const keep = {
    removeOnComplete: { age: Math.ceil(settings.retention.completedMs / 1000) },
    removeOnFail: { age: Math.ceil(settings.retention.failedMs / 1000) },
  };
  // An index job's work is in the catalog: its job goes with age, and with count, so the queue never grows.
  const keepIndex = {
    removeOnComplete: { ...keep.removeOnComplete, count: INDEX_JOBS_KEPT },
    removeOnFail: { ...keep.removeOnFail, count: INDEX_JOBS_KEPT },
  };
  await Promise.all([
    queues.discover.add(name, data, { ...githubStepOptions(settings), ...keep, jobId }),
    queues.index.add(name, data, { ...githubStepOptions(settings), ...keepIndex, jobId }),
  ]);
  return jobId;
}
