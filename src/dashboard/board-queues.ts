import type { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import type { Queue } from "bullmq";
import { earlierTry, explainFailure } from "./explain-failure.js";
import { jobTitle, type TitledJob } from "./job-title.js";
import { progressView } from "./progress-view.js";
import type { ParkedRun } from "../stores/parked-runs.js";

// Bull Board does not export its hook types; they are what its options take.
type AfterHook = NonNullable<NonNullable<NonNullable<Parameters<typeof createBullBoard>[0]["options"]>["handlerHooks"]>["after"]>;

/**
 * How each step's queue is presented. The overview sorts queues by their display name
 * (alphabetically, unless a person picks another order), so the step's number leads it and
 * the steps read in pipeline order. The description is the queue page's subtitle and the
 * overview card's tooltip: what a completed and a failed job mean there, and what Retry does.
 */
const STEP_QUEUES: Record<string, { displayName: string; description: string }> = {
  discover: {
    displayName: "1. discover",
    description: "Finds the scripts a push to the default branch added and queues a run for each. Tried again on its own; Retry looks again, nothing runs.",
  },
  process: {
    displayName: "2. process",
    description: "Checks each script's approvals and bundles it as it was merged. Nothing runs here: tried again on its own; Retry fetches and bundles again.",
  },
  execute: {
    displayName: "3. execute",
    description:
      "Runs each script once, in production. Completed means the run ended, not that the script succeeded: each job's name says ✓ succeeded or ✗ failed. Never tried again on its own; Retry runs the script in production.",
  },
  cleanup: {
    displayName: "4. cleanup",
    description:
      "Commits each run's log with the deletion of its script and reports on the pull request. Tried again on its own; Retry commits the log, the script does not run again.",
  },
  index: {
    displayName: "chores: index",
    description:
      "Lists the chores of the default branch after each push, bundled and checked, for the chores pages. Nothing runs here: tried again on its own; Retry indexes the branch as it is now.",
  },
  schedule: {
    displayName: "chores: schedule",
    description:
      "One trigger per occurrence of a chore's schedule, added by its job scheduler at its time; it queues that occurrence's run. Nothing runs here: tried again on its own; Retry queues the occurrence's run if it is not queued yet, never a second one. Schedules change only through a reviewed push, and pause on the chore's page: here they cannot be edited, removed or run early.",
  },
};

/**
 * Bull Board's adapter for each queue, in the order given (the menu's), each telling the
 * truth about its jobs: names say how a job ended (jobTitle), the execute step's live state
 * is drawn as a percentage and summarised (progressView).
 */
export function boardQueues(queues: readonly Queue[], parkedOf: (runId: string) => ParkedRun | null = () => null): BullMQAdapter[] {
  return queues.map((queue) => {
    const presented = STEP_QUEUES[queue.name];
    const adapter = new BullMQAdapter(queue, presented ?? {});
    // Bull Board hands the `name` formatter the whole job JSON.
    // An execute job's id is its run's (run-id.ts).
    adapter.setFormatter("name", (job: TitledJob & { id?: string }) => jobTitle(queue.name, job, queue.name === "execute" && job.id ? parkedOf(job.id) : null));
    if (queue.name === "execute") adapter.setFormatter("progress", progressView);
    return adapter;
  });
}

/** A job as Bull Board's API answers it (formatJob): the fields read and rewritten here. */
interface AnsweredJob {
  failedReason?: string;
  stacktrace?: string[];
  attempts?: number;
  finishedOn?: number | null;
  opts?: { attempts?: number } | null;
}

/**
 * Bull Board's `after` hook: a failed job's error, in the JSON the dashboard reads, is a
 * sentence (explainFailure: the step, why, what Retry does) instead of the error's stacks,
 * one per try, which Bull Board would show in its place. An earlier try's error (the job went
 * on) is one line. The stacks stay in Redis and in the worker's log, for engineers.
 */
export const explainFailures: AfterHook = (context, result) => {
  if (context.method !== "get") return result;
  const body = result.body as { queues?: { name?: unknown; jobs?: AnsweredJob[] }[]; job?: AnsweredJob } | string | undefined;
  if (typeof body !== "object" || body === null) return result;
  if (context.route === "/api/queues" && Array.isArray(body.queues)) {
    for (const queue of body.queues) for (const job of queue.jobs ?? []) explain(String(queue.name), job);
  } else if (context.route === "/api/queues/:queueName/:jobId" && body.job) {
    explain(String(context.request.params.queueName), body.job);
  }
  return result;
};

function explain(queue: string, job: AnsweredJob): void {
  const stacks = job.stacktrace ?? [];
  if (job.failedReason) {
    const failed = { failedReason: job.failedReason, stacktrace: stacks, attemptsMade: job.attempts, finishedOn: job.finishedOn, opts: job.opts };
    job.failedReason = explainFailure(queue, failed).sentence;
    // Bull Board shows the stacks instead of the reason when there are any.
    job.stacktrace = [];
  } else if (stacks.length > 0) {
    job.stacktrace = stacks.map(earlierTry);
  }
}
