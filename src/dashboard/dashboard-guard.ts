import type { createBullBoard } from "@bull-board/api";
import type { Queue } from "bullmq";
import { STALLED } from "./explain-failure.js";
import type { ParkedRuns } from "../stores/parked-runs.js";

// Bull Board does not export its hook types; they are what its options take.
type BeforeHook = NonNullable<NonNullable<NonNullable<Parameters<typeof createBullBoard>[0]["options"]>["handlerHooks"]>["before"]>;
type HookContext = Parameters<BeforeHook>[0];
type BeforeHookResult = Awaited<ReturnType<BeforeHook>>;

const allow: BeforeHookResult = { allow: true };
const refuse = (message: string): BeforeHookResult => ({ allow: false, status: 403, message });

// The writes an operator needs and that cannot run anything twice or erase a record: retry
// what failed, pause and resume, and clean completed jobs (a finished run's record is its
// committed log, and the re-run guard reads it there). Everything else Bull Board can write
// (retrying completed jobs, cleaning others, empty, obliterate, add, edit, promote,
// schedulers…) is refused, including routes a later Bull Board adds: the list says what is
// allowed, not what is not. For chores' schedules that means no scheduler edited, removed or
// run now, and no delayed trigger promoted or re-timed (Bull Board 9.10.1: `patch`/`put …/
// job-schedulers/:schedulerId[/remove|/run]`, `put …/promote`, `patch …/:jobId/delay`): a
// schedule changes only through a reviewed push, and an occurrence starts at its time. A failed
// trigger may be retried: it queues its occurrence's run under the id `<scheduler>-<occurrence
// ms>` (added again, nothing new), and an occurrence older than the schedule's latest is refused.
const ALLOWED_WRITES = new Set([
  "put /api/queues/:queueName/:jobId/retry",
  "put /api/queues/:queueName/retry/:queueStatus",
  "put /api/queues/:queueName/clean/:queueStatus",
  "put /api/queues/:queueName/:jobId/clean",
  "put /api/queues/pause",
  "put /api/queues/resume",
  "put /api/queues/:queueName/pause",
  "put /api/queues/:queueName/resume",
]);

/**
 * The dashboard's server-side guard (Bull Board's `handlerHooks.before`; its
 * allowRetries-style options only hide buttons). Reads pass; a write passes only when it is
 * in ALLOWED_WRITES, and a retry only of jobs that failed: retrying a completed job would
 * run a finished script again.
 */
export function dashboardGuard(queues: readonly Queue[], o: { lockMs: number; parked?: Pick<ParkedRuns, "read" | "list"> | undefined }) {
  const byName = new Map(queues.map((queue) => [queue.name, queue]));
  /** The job a route's parameters name, and its state (`unknown` when there is none). */
  const jobOf = async (params: Record<string, unknown>) => {
    const queue = byName.get(String(params.queueName));
    const job = queue ? await queue.getJob(String(params.jobId)) : undefined;
    return { queue, job, state: job ? await job.getState() : "unknown" };
  };
  return async ({ method, route, request }: HookContext): Promise<BeforeHookResult> => {
    if (method === "get") return allow;
    const key = `${method} ${route}`;
    if (!ALLOWED_WRITES.has(key)) {
      return refuse("chorebot's dashboard only retries failed jobs, cleans completed ones and pauses queues: it does not add, edit or remove other jobs");
    }
    const params: Record<string, unknown> = request?.params ?? {};
    if (key === "put /api/queues/:queueName/clean/:queueStatus" && params.queueStatus !== "completed") {
      return refuse("only completed jobs can be cleaned: a failed, waiting, active or delayed job is a run not yet on record");
    }
    if (key === "put /api/queues/:queueName/:jobId/clean") {
      const { state } = await jobOf(params);
      if (state !== "completed") return refuse(`only completed jobs can be cleaned: this one is ${state}`);
    }
    if (key === "put /api/queues/:queueName/retry/:queueStatus" && params.queueStatus !== "failed") {
      return refuse("only failed jobs can be retried: a completed job already ran");
    }
    // An interrupted run's execute job failed, but a Retry would run its lost step (or an iteration's lost batch) again with
    // nobody having chosen to. (A waiting or paused run's job is delayed, not failed: it does not stop the others' retry.)
    if (key === "put /api/queues/:queueName/retry/:queueStatus" && params.queueName === "execute" && o.parked) {
      if (await anyInterrupted(o.parked)) {
        return refuse(
          "some runs were interrupted and wait for a person's decision: retry failed runs one by one; an interrupted one is decided with Resume or Roll back on its page",
        );
      }
    }
    if (key === "put /api/queues/:queueName/:jobId/retry") {
      const { queue, job, state } = await jobOf(params);
      if (state !== "failed") return refuse(`only failed jobs can be retried: this one is ${state}`);
      const parked = queue?.name === "execute" && o.parked ? await o.parked.read(String(params.jobId)) : null;
      if (parked?.kind === "interrupted" && parked.decision === null) {
        // An iteration (no step) has no rollbacks: a plain Retry would start it over from its first item, its checkpoint ignored.
        if (parked.step === null) {
          return refuse(
            "this iteration was interrupted and waits for a person's decision: Retry would start it again without one. Choose Resume on its page (it goes on from its last checkpoint), with chorebot resume, or POST /api/runs/<run>/resume. Nothing was changed",
          );
        }
        return refuse(
          `this run was interrupted at step ${parked.step} and waits for a person's decision: Retry would run the lost step again without one. Choose Resume or Roll back on its page, with chorebot resume|rollback, or POST /api/runs/<run>/resume|rollback. Nothing was changed`,
        );
      }
      const wait = queue?.name === "execute" ? lostScriptWait(job!, o.lockMs) : 0;
      if (wait > 0) {
        const at = new Date(Date.now() + wait).toISOString();
        return refuse(`this run's worker lost its claim on it; until ${at} (${Math.ceil(wait / 1000)} s) its script may still be stopping: retry after that`);
      }
    }
    return allow;
  };
}

/**
 * How long a person must still wait before retrying an execute whose worker lost its claim.
 * A worker stops its script within 7/8 of a lock after its last lock renewal (JobClaims), and
 * BullMQ fails the job a whole lock after that renewal at the earliest; but a frozen host
 * freezes that watcher too, so the retry waits those 7/8 of a lock more after the failure:
 * by then the old script is stopped, unless its host is still frozen.
 */
function lostScriptWait(job: { failedReason?: string; finishedOn?: number }, lockMs: number): number {
  if (job.failedReason !== STALLED || job.finishedOn === undefined) return 0;
  return Math.max(0, job.finishedOn + (lockMs * 7) / 8 - Date.now());
}

/** How many parked runs the bulk retry's guard looks at (the oldest): an interrupted run waits for years at most as long as nobody decides. */
const PARKED_LOOKED_AT = 1000;

/** Whether any parked run is an interrupted one nobody decided on yet. */
async function anyInterrupted(parked: Pick<ParkedRuns, "read" | "list">): Promise<boolean> {
  for (const runId of await parked.list(PARKED_LOOKED_AT)) {
    const record = await parked.read(runId);
    if (record?.kind === "interrupted" && record.decision === null) return true;
  }
  return false;
}
