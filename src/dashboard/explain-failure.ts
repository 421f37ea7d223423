/** BullMQ's reason for a job whose worker stopped renewing its lock (dead, frozen, cut off from Redis). */
export const STALLED = "job stalled more than allowable limit";

/** What the dashboard knows of a job that failed: BullMQ's fields, as its JSON has them. */
export interface FailedJob {
  failedReason: string;
  /** One entry per failed try (BullMQ keeps each error's `stack`), in any order. */
  stacktrace?: readonly string[] | null;
  /** Tries that ended. */
  attemptsMade?: number;
  /** Set once the job failed for good; unset while BullMQ will try it again on its own. */
  finishedOn?: number | null;
  opts?: { attempts?: number } | null;
}

/** A failure told to an operator: a short `title` for the job's name, the whole `sentence` for its Error tab. */
export interface Explanation {
  title: string;
  sentence: string;
}

interface Step {
  label: string;
  /** What Retry does, and whether the script runs because of it. */
  retry: string;
}

const STEPS: Record<string, Step> = {
  discover: { label: "Discover", retry: "Retry looks for the push's scripts again; nothing has run." },
  process: { label: "Process", retry: "Retry fetches and bundles again; nothing has run." },
  execute: { label: "Execute", retry: "Retry runs the script in production." },
  cleanup: { label: "Cleanup", retry: "Retry commits the log; the script does not run again." },
  index: { label: "Index", retry: "Retry indexes the chores of the branch as it is now; nothing runs." },
};

const TITLE_MAX = 140;

/**
 * A failed job of `queue` (a step of the pipeline) told in words: which step failed, why, and
 * what Retry does. The error's stack is left out: the worker's log has it, for engineers.
 *
 * The reason is the error's message. chorebot's steps throw StepErrors, whose message is
 * already words ("GitHub answered 403 Forbidden (…) while committing the run log"); anything
 * else (an older release's error, BullMQ's own) is shown as it said it, GitHub's
 * documentation links left out, and BullMQ's stalled job is told as what it means: the
 * worker stopped.
 */
export function explainFailure(queue: string, job: FailedJob): Explanation {
  const step = STEPS[queue] ?? { label: queue, retry: "" };
  const tries = job.attemptsMade ?? 0;
  const errorName = errorNameOf(job);
  const stalled = job.failedReason === STALLED;

  if (job.finishedOn === undefined || job.finishedOn === null) {
    // Not failed for good: BullMQ tries again by itself (process, cleanup and discover back off).
    const of = job.opts?.attempts ? ` of ${job.opts.attempts}` : "";
    const why = stalled ? workerStopped : reasonOf(job.failedReason, errorName);
    return {
      title: `↻ retrying after try ${tries}${of} failed: ${shorten(why)}`,
      sentence: `${step.label} try ${tries}${of} failed: ${why}. chorebot tries again on its own; nothing needs doing yet.`,
    };
  }

  if (queue === "execute") {
    if (stalled) {
      return {
        title: "✗ lost: its worker stopped during the run",
        sentence:
          `Execute failed: ${workerStopped} before the script finished, so the run is recorded as lost; ` +
          "the script may have partly run (its run log says what it printed). Retry runs the script again in production.",
      };
    }
    if (errorName === "AlreadyRecorded") {
      // The attempt was refused before the script started, and recorded with its own log.
      const reason = reasonOf(job.failedReason, errorName);
      const wait = /^already running/.test(reason) ? ", once that run has finished" : "";
      return {
        title: `✗ did not start: ${shorten(reason)}`,
        sentence: `Execute did not start the script: ${reason}. This attempt is recorded with its own log. Retry runs the script in production${wait}.`,
      };
    }
    const reason = reasonOf(job.failedReason, errorName);
    return {
      title: `✗ execute failed: ${shorten(reason)}`,
      sentence: `Execute failed: ${reason}. The run's log says whether the script started. Retry runs the script in production.`,
    };
  }

  const why = stalled ? `${workerStopped} while working on it` : reasonOf(job.failedReason, errorName);
  const after = tries > 1 ? ` after ${tries} tries` : "";
  return {
    title: `✗ ${step.label.toLowerCase()} failed: ${shorten(why)}`,
    sentence: `${step.label} failed${after}: ${why}. ${step.retry}`.trim(),
  };
}

/** An earlier try's stack (the job went on after it) as one line: the error's message, in words. */
export function earlierTry(stack: string): string {
  const first = stack.split("\n", 1)[0]!;
  const named = /^([A-Za-z_$][\w$]*): /.exec(first);
  return `An earlier try failed: ${reasonOf(named ? first.slice(named[0].length) : first, named?.[1] ?? null)}.`;
}

const workerStopped = "the worker running it stopped (it died, froze, or could not reach Redis for longer than JOB_LOCK_MS)";

/** The class of the error behind `failedReason`, from the first line of the stack it left ("HttpError: …"). */
function errorNameOf(job: FailedJob): string | null {
  const reasonLine = job.failedReason.split("\n", 1)[0]!;
  for (const stack of [...(job.stacktrace ?? [])].reverse()) {
    const first = stack.split("\n", 1)[0]!;
    const named = /^([A-Za-z_$][\w$]*): /.exec(first);
    if (named && first.slice(named[0].length) === reasonLine) return named[1]!;
  }
  return null;
}

/** The reason in words, on one line, without the trailing period a sentence adds back. */
function reasonOf(failedReason: string, errorName: string | null): string {
  let reason = failedReason
    // Octokit's message ends with a link to the endpoint's documentation: not for operators.
    .replace(/\s+-\s+https:\/\/docs\.github\.com\/\S*/g, "")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[.;:,]+$/, "");
  if (!reason) reason = "no reason given";
  // An error from a release before StepError: say at least who answered.
  if (errorName === "HttpError" && !/^GitHub\b/.test(reason)) reason = `GitHub answered with an error (${reason})`;
  return reason;
}

function shorten(text: string): string {
  return text.length > TITLE_MAX ? `${text.slice(0, TITLE_MAX - 1)}…` : text;
}
