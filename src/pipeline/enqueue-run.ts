import type { FlowProducer, JobsOptions } from "bullmq";
import type { ScriptTarget } from "../run-types.js";
import type { RunJobData } from "./job-data.js";
import { runIdFor } from "./run-id.js";

// execute runs production code: one attempt, ever, unless a person retries it.
const EXECUTE_STEP: JobsOptions = { attempts: 1 };

/**
 * Queues the three-step flow for one script: cleanup ◄─ execute ◄─ process. The job ids
 * are the run id, so queueing the same merge again (webhook redelivery, a second replica)
 * finds the existing jobs and adds nothing.
 */
export async function enqueueRun(
  flows: FlowProducer,
  target: ScriptTarget,
  options: { githubStepAttempts: number },
): Promise<string> {
  // process and cleanup only talk to GitHub: safe to retry, with backoff.
  const GITHUB_STEP: JobsOptions = { attempts: options.githubStepAttempts, backoff: { type: "exponential", delay: 2_000 } };
  const runId = runIdFor(target);
  const data: RunJobData = { runId, target };
  const name = target.path;
  await flows.add({
    name,
    queueName: "cleanup",
    data,
    opts: { ...GITHUB_STEP, jobId: runId },
    children: [
      {
        name,
        queueName: "execute",
        data,
        opts: { ...EXECUTE_STEP, jobId: runId },
        children: [{ name, queueName: "process", data, opts: { ...GITHUB_STEP, jobId: runId } }],
      },
    ],
  });
  return runId;
}
