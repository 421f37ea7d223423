import type { Cluster, Redis } from "ioredis";

/** How many runs each chore's history keeps (the newest); every run's log stays in the repository. */
export const CHORE_HISTORY_LIMIT = 100;

/**
 * Each chore's runs, newest first, for its page: one sorted set per repository and chore
 * (run ids scored by when they were asked for), capped at `limit` entries. A run leaves it
 * with its other records (RunRetention) or when newer runs push it out.
 */
export class ChoreRuns {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
    private readonly limit: number = CHORE_HISTORY_LIMIT,
  ) {}

  /** Adds the run, asked for at `requestedAt` (ISO 8601); a run already listed keeps its place. */
  async record(chore: ChoreRef, runId: string, requestedAt: string): Promise<void> {
    const key = choreRunsKey(this.prefix, chore);
    await this.redis
      .multi()
      .zadd(key, "NX", Date.parse(requestedAt), runId)
      .zremrangebyrank(key, 0, -this.limit - 1)
      .exec();
  }

  /** The ids of the chore's newest `limit` runs, newest first. */
  async recent(owner: string, repo: string, name: string, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    return this.redis.zrevrange(choreRunsKey(this.prefix, { owner, repo, name }), 0, limit - 1);
  }

  /** Takes the run out of its chore's history (retention removes it with the run's other records). */
  async forget(chore: ChoreRef, runId: string): Promise<void> {
    await this.redis.zrem(choreRunsKey(this.prefix, chore), runId);
  }
}

export interface ChoreRef {
  owner: string;
  repo: string;
  /** The chore's name in the catalog. */
  name: string;
}

/** The history of one chore; each part encoded, so no two chores share a key. The prefix carries the Redis Cluster hash tag. */
export function choreRunsKey(prefix: string, chore: ChoreRef): string {
  return `${prefix}:chore-runs:${[chore.owner, chore.repo, chore.name].map(encodeURIComponent).join(":")}`;
}
