import type { Context } from "probot";
import { classifyRedisError } from "../redis/redis-info.js";
import { RedisUnavailableError } from "../redis/redis-unavailable-error.js";
import { readPushFacts } from "./push-facts.js";
import { decidePush } from "./push-filter.js";

/** A push to the default branch that may carry merged scripts. */
export interface MergedPush {
  owner: string;
  repo: string;
  installationId: number;
  defaultBranch: string;
  before: string;
  after: string;
  forced: boolean;
}

export type QueuePush = (push: MergedPush) => Promise<string>;

/**
 * On a push to the default branch, queue a `discover` job that finds the scripts it added.
 * The webhook is answered as soon as the job is stored: finding scripts calls GitHub,
 * which may be slow or failing, and a queued job is retried where a webhook is not.
 *
 * When Redis refuses the job (full, read-only, unreachable) the handler throws a
 * RedisUnavailableError: the webhook is answered 503 with a short message (GitHub shows the
 * delivery failed, and it can be redelivered once Redis has room), and `onRedisRefused` hears
 * of it at once (the monitor then answers further pushes 503 without trying Redis).
 */
export function handlePush(queuePush: QueuePush, onRedisRefused?: (error: RedisUnavailableError) => void) {
  return async (context: Context<"push">): Promise<void> => {
    const facts = readPushFacts(context.payload);
    if (!facts.ok) {
      context.log.warn(`push ignored: ${facts.reason}`);
      return;
    }
    const { push } = facts;
    const defaultBranch = push.repository.default_branch;
    const decision = decidePush({ ...push, defaultBranch });
    if (!decision.handle) {
      context.log.debug({ ref: push.ref }, `push ignored: ${decision.reason}`);
      return;
    }
    const installationId = push.installation?.id;
    if (installationId === undefined) {
      context.log.warn("push ignored: the payload names no installation");
      return;
    }
    let jobId: string;
    try {
      jobId = await queuePush({
        owner: push.repository.owner.login,
        repo: push.repository.name,
        installationId,
        defaultBranch: defaultBranch!,
        before: push.before,
        after: push.after,
        forced: push.forced,
      });
    } catch (error) {
      const kind = classifyRedisError(error);
      if (kind === null) throw error;
      const refused = new RedisUnavailableError(kind, error);
      onRedisRefused?.(refused);
      throw refused;
    }
    context.log.info({ commit: push.after, jobId }, "push queued for discovery");
  };
}
