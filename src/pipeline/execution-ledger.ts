import type { Cluster, Redis } from "ioredis";

export interface LedgerEntry {
  /** How many times the script was started (0: never). */
  starts: number;
  /** The host that started it last, and when. */
  host: string | null;
  startedAt: Date | null;
}

/**
 * How many times each run's script was started, and where, kept in Redis apart from
 * BullMQ's job bookkeeping. Written right before the child process is spawned, so when a
 * worker dies the ledger still says whether (and where) the script may have partly run,
 * and every start gets its own attempt number (and so its own run log).
 */
export class ExecutionLedger {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
  ) {}

  /** Records one more start and returns its attempt number (1 for the first). */
  async start(runId: string, host: string): Promise<number> {
    const key = this.key(runId);
    const replies = await this.redis
      .multi()
      .hincrby(key, "starts", 1)
      .hset(key, "host", host, "startedAt", new Date().toISOString())
      .exec();
    const [error, starts] = replies![0]!;
    if (error) throw error;
    return Number(starts);
  }

  async read(runId: string): Promise<LedgerEntry> {
    const entry = await this.redis.hgetall(this.key(runId));
    return {
      starts: Number(entry.starts ?? 0),
      host: entry.host ?? null,
      startedAt: entry.startedAt ? new Date(entry.startedAt) : null,
    };
  }

  private key(runId: string): string {
    // The queue prefix carries the Redis Cluster hash tag, so the ledger lives with the jobs.
    return `${this.prefix}:executions:${runId}`;
  }
}
