import type { createBullBoard } from "@bull-board/api";
import type { Queue } from "bullmq";

// Bull Board does not export its hook types; they are what its options take.
type BeforeHook = NonNullable<NonNullable<NonNullable<Parameters<typeof createBullBoard>[0]["options"]>["handlerHooks"]>["before"]>;
type HookContext = Parameters<BeforeHook>[0];
type BeforeHookResult = Awaited<ReturnType<BeforeHook>>;

const allow: BeforeHookResult = { allow: true };
const refuse = (message: string): BeforeHookResult => ({ allow: false, status: 403, message });

// The writes an operator needs and that cannot run anything twice or erase a record: retry
// what failed, pause and resume. Everything else Bull Board can write (retrying completed
// jobs, clean, empty, obliterate, add, edit, promote, schedulers…) is refused, including
// routes a later Bull Board adds: the list says what is allowed, not what is not.
const ALLOWED_WRITES = new Set([
  "put /api/queues/:queueName/:jobId/retry",
  "put /api/queues/:queueName/retry/:queueStatus",
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
export function dashboardGuard(queues: readonly Queue[]) {
  const byName = new Map(queues.map((queue) => [queue.name, queue]));
  return async ({ method, route, request }: HookContext): Promise<BeforeHookResult> => {
    if (method === "get") return allow;
    const key = `${method} ${route}`;
    if (!ALLOWED_WRITES.has(key)) return refuse("chorebot's dashboard only retries failed jobs (and pauses queues): it does not add, edit, clean or remove jobs");
    const params: Record<string, unknown> = request?.params ?? {};
    if (key === "put /api/queues/:queueName/retry/:queueStatus" && params.queueStatus !== "failed") {
      return refuse("only failed jobs can be retried: a completed job already ran");
    }
    if (key === "put /api/queues/:queueName/:jobId/retry") {
      const queue = byName.get(String(params.queueName));
      const state = queue ? await queue.getJobState(String(params.jobId)) : "unknown";
      if (state !== "failed") return refuse(`only failed jobs can be retried: this one is ${state}`);
    }
    return allow;
  };
}
