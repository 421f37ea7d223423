import type { Cluster, Redis } from "ioredis";

/**
 * The exact JavaScript `process` built for each run, kept in Redis beside the jobs rather
 * than in a job's return value: what the dashboard shows must be redacted, while `execute`
 * (and every later retry from the dashboard) must run the real bundle.
 */
export class BundleStore {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
  ) {}

  async save(runId: string, code: string): Promise<void> {
    await this.redis.set(this.key(runId), code);
  }

  async load(runId: string): Promise<string | null> {
    return this.redis.get(this.key(runId));
  }

  private key(runId: string): string {
    return `${this.prefix}:bundles:${runId}`;
  }
}
