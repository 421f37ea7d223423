import type { Cluster, Redis } from "ioredis";
import type { CapturedOutput } from "../run-types.js";
import { runKey } from "./run-key.js";

/** What one process of a workflow that parked printed, and when it ran. */
export interface RunSegment {
  /** ISO 8601. */
  startedAt: string;
  finishedAt: string;
  /** Redacted, bounded by the output limit like any run's. */
  output: CapturedOutput;
  /** Why the process ended without a result: like `waiting for the signal "approved" at step charge`. */
  parkedFor: string;
}

/**
 * The processes of a run that parked (a workflow at a `waitFor`), kept in its run hash (field
 * `segments`) until its final process is recorded: its log shows every one's output in order.
 * One worker handles a run at a time, so the read-then-write needs no lock.
 */
export class RunSegments {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
  ) {}

  async add(runId: string, segment: RunSegment): Promise<void> {
    const earlier = await this.all(runId);
    await this.redis.hset(runKey(this.prefix, runId), "segments", JSON.stringify([...earlier, segment]));
  }

  /** The earlier processes, oldest first; none when it never parked. */
  async all(runId: string): Promise<RunSegment[]> {
    const raw = await this.redis.hget(runKey(this.prefix, runId), "segments");
    const parsed = raw === null ? [] : (JSON.parse(raw) as unknown);
    return Array.isArray(parsed) ? (parsed as RunSegment[]) : [];
  }
}
