import type { FlowProducer, JobsOptions } from "bullmq";
import type { ScriptTarget } from "../run-types.js";
import type { RunJobData } from "./job-data.js";
import { runIdFor } from "./run-id.js";

/** process and cleanup only talk to GitHub: safe to retry, with backoff. */
export function githubStepOptions(settings: { githubStepAttempts: number }): JobsOptions {
  return { attempts: settings.githubStepAttempts, backoff: { type: "exponential", delay: 2_000 } };
}

// execute runs production code: one attempt, ever, unless a person retries it. If it
// fails (its worker died), cleanup still runs and records the run as lost.
const EXECUTE_STEP: JobsOptions = { attempts: 1, continueParentOnFailure: true };

/**
 * Queues the three-step flow for one script: cleanup ◄─ execute ◄─ process. The job ids
 * are the run id, so queueing the same merge again (webhook redelivery, a second replica)
 * finds the existing jobs and adds nothing.
 */
export async function enqueueRun(
  flows: FlowProducer,
  target: ScriptTarget,
  settings: { githubStepAttempts: number },
): Promise<string> {
  const runId = runIdFor(target);
  const data: RunJobData = { runId, target };
  const name = target.path;
  const githubStep = githubStepOptions(settings);
  await flows.add({
    name,
    queueName: "cleanup",
    data,
    opts: { ...githubStep, jobId: runId },
    children: [
      {
        name,
        queueName: "execute",
        data,
        opts: { ...EXECUTE_STEP, jobId: runId },
        children: [{ name, queueName: "process", data, opts: { ...githubStep, jobId: runId } }],
      },
    ],
  });
  return runId;
}
