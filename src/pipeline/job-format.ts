import { UnrecoverableError, type Job } from "bullmq";

/**
 * The shape of what chorebot keeps for a job: its data, what its step returns, and what its
 * run keeps in Redis. Every job carries the format it was written in, so that during a
 * rolling upgrade a worker knows whether it can read a job another release queued.
 *
 * - 1: release c58baed and before (data without `format`); read through ./format-1.ts.
 * - 2: the run's hash (bundle, ledger, outcomes), execute returns a summary, ScriptTarget.committedAt.
 * - 3: ScriptTarget.chore (a chore run a person asked for: a format-2 worker would take it for a
 *   merged script and delete the chore with its log) and ScriptDescription.env (a format-2
 *   worker would hand such a script every SCRIPT_ENV variable).
 * - 4: ScriptTarget.inputsFile and ProcessResult.reviewedInputs (a format-3 worker would run the
 *   script with its defaults and leave its inputs file behind), and RunRequest's `name` and
 *   `comment` (a format-3 worker would neither free the name nor answer the comment).
 * - 5: RunRequest `schedule` (trigger `schedule`: a format-4 worker would commit every
 *   occurrence's log, never retry, and never free the schedule for its next occurrence), the
 *   `schedule` queue's trigger jobs, and ScriptDescription.schedule.
 * - 6: ScriptDescription.workflow (a format-5 worker would never answer a workflow's step
 *   messages, so its first step would wait until the run timed out, and nothing would be
 *   persisted or rolled back).
 * - 7: ScriptDescription.approval and workflow waits (a format-6 worker would run a script that
 *   asks for approvals without them, and would record a parked workflow as failed).
 * - 8: ScriptDescription.iteration (a format-7 worker would never answer an iteration's batch
 *   messages, so its first batch would wait until the run timed out, with no checkpoint kept).
 *
 * Bump it whenever one of those changes shape, teach the readers the previous format, and
 * point test/upgrade/previous-release.ts at the last commit before the change.
 */
export const JOB_FORMAT = 8;

/** A job written by a newer chorebot than this worker: it fails for good, untouched, until a person retries it. */
export class JobTooNew extends UnrecoverableError {
  override name = "JobTooNew";
}

/** The format `data` was written in (1 when it says none); throws when this worker cannot read it. */
export function readJobFormat(data: unknown): number {
  const format = data !== null && typeof data === "object" && "format" in data ? data.format : 1;
  if (typeof format !== "number" || !Number.isInteger(format) || format < 1) {
    throw new UnrecoverableError(`unreadable job format ${JSON.stringify(format)}; this worker reads formats 1 to ${JOB_FORMAT}`);
  }
  if (format > JOB_FORMAT) {
    throw new JobTooNew(
      `written by a newer chorebot (job format ${format}; this worker reads up to ${JOB_FORMAT}): ` +
        "deploy the new release to this worker, then retry the job from the dashboard",
    );
  }
  return format;
}

/** `data` marked as written in this release's format: every job chorebot adds goes through here. */
export function withFormat<T extends object>(data: T): T & { format: number } {
  return { ...data, format: JOB_FORMAT };
}

/**
 * A worker's processor that refuses, before doing anything, a job it cannot read. Older
 * formats pass: the readers take them (./format-1.ts).
 */
export function checkedFormat<D, R>(processor: (job: Job<D>, token?: string) => Promise<R>): (job: Job<D>, token?: string) => Promise<R> {
  return async (job, token) => {
    readJobFormat(job.data);
    return processor(job, token);
  };
}
