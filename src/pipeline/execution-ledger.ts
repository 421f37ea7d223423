import type { Cluster, Redis } from "ioredis";

export interface LedgerEntry {
  /** The attempt that started the script last (0: never started). */
  attempt: number;
  /** The host that started it, and when. */
  host: string | null;
  startedAt: Date | null;
}

/**
 * Which attempt of each run last started its script, where and when, kept in Redis apart
 * from BullMQ's job bookkeeping. Written right before the child process is spawned, so when
 * a worker dies the ledger still says whether (and where) the script may have partly run.
 */
export class ExecutionLedger {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
  ) {}

  /** Records that `attempt` is starting the script now. */
  async start(runId: string, attempt: number, host: string): Promise<void> {
    await this.redis.hset(this.key(runId), "attempt", attempt, "host", host, "startedAt", new Date().toISOString());
  }

  async read(runId: string): Promise<LedgerEntry> {
    const entry = await this.redis.hgetall(this.key(runId));
    return {
      attempt: Number(entry.attempt ?? 0),
      host: entry.host ?? null,
      startedAt: entry.startedAt ? new Date(entry.startedAt) : null,
    };
  }

  private key(runId: string): string {
    // The queue prefix carries the Redis Cluster hash tag, so the ledger lives with the jobs.
    return `${this.prefix}:executions:${runId}`;
  }
}
