import type { Cluster, Redis } from "ioredis";
import { format1Keys } from "../pipeline/format-1.js";
import { runKey } from "./run-key.js";

const FIELD = "bundle";

/**
 * The exact JavaScript `process` built for each run, kept in the run's hash and nowhere else
 * (never in a step's return value, which BullMQ copies into the parent job and its event
 * stream): `execute` and every later retry run it, `cleanup` quotes it, redacted, in the log.
 */
export class BundleStore {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
  ) {}

  async save(runId: string, code: string): Promise<void> {
    await this.redis.hset(runKey(this.prefix, runId), FIELD, code);
  }

  /** A run an older release processed has its bundle at that release's key: it runs that one. */
  async load(runId: string): Promise<string | null> {
    return (await this.redis.hget(runKey(this.prefix, runId), FIELD)) ?? (await this.redis.get(format1Keys.bundle(this.prefix, runId)));
  }

  /** Once the run has a result for good and its log is committed, no step needs the bundle again. */
  async drop(runId: string): Promise<void> {
    await Promise.all([this.redis.hdel(runKey(this.prefix, runId), FIELD), this.redis.del(format1Keys.bundle(this.prefix, runId))]);
  }
}
