import type { Queue } from "bullmq";
import type { MergedPush } from "../github/handle-push.js";
import { githubStepOptions } from "./enqueue-run.js";

/**
 * Queues the discovery of a merge's scripts. The job id is the repository and the pushed
 * commit, so a redelivered or duplicated webhook adds nothing.
 */
export async function queuePush(queue: Queue, push: MergedPush, settings: { githubStepAttempts: number }): Promise<string> {
  const jobId = `${push.owner}.${push.repo}-${push.after}`;
  await queue.add(`${push.owner}/${push.repo}@${push.after.slice(0, 7)}`, push, { ...githubStepOptions(settings), jobId });
  return jobId;
}
