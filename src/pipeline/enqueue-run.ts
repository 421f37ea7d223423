import type { FlowJob, FlowProducer, JobsOptions } from "bullmq";
import type { ScriptTarget } from "../run-types.js";
import type { RunJobData } from "./job-data.js";
import { withFormat } from "./job-format.js";
import { cleanupJobId, executeJobId, processJobId, runIdFor } from "./run-id.js";

/** process and cleanup only talk to GitHub: safe to retry, with backoff. */
export function githubStepOptions(settings: { githubStepAttempts: number }): JobsOptions {
  return { attempts: settings.githubStepAttempts, backoff: { type: "exponential", delay: 2_000 } };
}

// execute runs production code: one attempt, ever, unless a person retries it. If it
// fails (its worker died), cleanup still runs and records the run as lost.
const EXECUTE_STEP: JobsOptions = { attempts: 1, continueParentOnFailure: true };

/**
 * Queues the runs of one merge. Each script is a three-step flow, cleanup ◄─ execute ◄─
 * process, whose job ids derive from its run id (run-id.ts), so queueing the same merge again
 * (webhook redelivery, a second replica) finds the existing jobs and adds nothing.
 *
 * With `order: path` (the default) the flows form one chain in path order: a script's
 * `process` waits for the previous script's `cleanup`, so scripts run one at a time and
 * each sees how the one before it ended (for `stopOnFailure`). `order: parallel` queues
 * independent flows.
 */
export async function enqueueRuns(flows: FlowProducer, targets: ScriptTarget[], settings: { githubStepAttempts: number }): Promise<string[]> {
  const sorted = [...targets].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const flowOf = (target: ScriptTarget, previous: FlowJob | null) => runFlow(withFormat({ runId: runIdFor(target), target }), settings, previous);
  if (sorted.every((target) => target.config.order === "parallel")) {
    await flows.addBulk(sorted.map((target) => flowOf(target, null)));
  } else {
    let chain: FlowJob | null = null;
    for (const target of sorted) chain = flowOf(target, chain);
    if (chain) await flows.add(chain);
  }
  return sorted.map((target) => runIdFor(target));
}

/**
 * One run's flow, cleanup ◄─ execute ◄─ process, every job carrying `data` under ids derived
 * from its run id; `previous` (the run before it in its merge) is then a child of its process.
 * Merged scripts and chore runs alike are queued through here, with the same job options.
 * `startDelayMs` delays its process job (a scheduled retry's backoff).
 */
export function runFlow(data: RunJobData, settings: { githubStepAttempts: number; startDelayMs?: number }, previous: FlowJob | null = null): FlowJob {
  const github = githubStepOptions(settings);
  const { runId } = data;
  const name = data.target.path;
  return {
    name,
    queueName: "cleanup",
    data,
    opts: { ...github, jobId: cleanupJobId(runId, 1) },
    children: [
      {
        name,
        queueName: "execute",
        data,
        opts: { ...EXECUTE_STEP, jobId: executeJobId(runId) },
        children: [
          {
            name,
            queueName: "process",
            data,
            opts: { ...github, jobId: processJobId(runId), ...(settings.startDelayMs ? { delay: settings.startDelayMs } : {}) },
            ...(previous ? { children: [previous] } : {}),
          },
        ],
      },
    ],
  };
}
