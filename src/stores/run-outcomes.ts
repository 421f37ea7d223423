import type { Cluster, Redis } from "ioredis";
import type { ExecuteResult } from "../pipeline/job-data.js";
import { runKey } from "./run-key.js";

/**
 * Each attempt's full outcome (its output included, bounded by OUTPUT_LIMIT), stored once in
 * the run's hash. The execute job returns only a summary, so the output is not copied into
 * the job, its cleanup parent and the queue's event stream.
 */
export class RunOutcomes {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
  ) {}

  async save(runId: string, outcome: ExecuteResult): Promise<void> {
    await this.redis.hset(runKey(this.prefix, runId), field(outcome.attempt), JSON.stringify(outcome));
  }

  async load(runId: string, attempt: number): Promise<ExecuteResult | null> {
    const json = await this.redis.hget(runKey(this.prefix, runId), field(attempt));
    return json === null ? null : (JSON.parse(json) as ExecuteResult);
  }
}

function field(attempt: number): string {
  return `outcome:${attempt}`;
}
