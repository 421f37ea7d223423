import { Job, type Queue } from "bullmq";
import type { Cluster, Redis } from "ioredis";
import type { Retention } from "../config.js";
import { metricsKeys } from "../metrics/run-metrics-store.js";
import { cancelKey } from "./cancellations.js";
import { format1Keys } from "../pipeline/format-1.js";
import type { RunJobData } from "../pipeline/job-data.js";
import type { QueueName } from "../pipeline/queues.js";
import { runKey } from "./run-key.js";
import { cleanupJobId, executeJobId, processJobId } from "../pipeline/run-id.js";
import { choreRunsKey } from "./chore-runs.js";
import { runInputsKey } from "./run-inputs.js";

// Runs looked at per pass; a backlog drains over the next passes.
const PER_PASS = 200;
// States in which a job still has work to do: its run is not finished.
const BUSY = new Set(["active", "waiting", "wait", "delayed", "prioritized", "paused", "waiting-children"]);

type RunQueues = Record<QueueName, Queue>;

/**
 * How long finished runs stay in Redis, and their removal. Each recorded attempt puts the
 * run in a sorted set (`<prefix>:retention`, scored by when it may go); `sweep` removes the
 * runs whose time is up with everything of theirs: the jobs of every step (and so their job
 * logs), the run's hash (bundle, ledger, outcomes; format 1's bundle and ledger keys too),
 * its cancellation record, its metrics marks, and for a chore run its raw inputs (if its
 * cleanup did not drop them) and its place in the chore's history (the pull request
 * comment's state expires on its own, see PullRequestComments). A run with a failed step stays for the
 * failed-job retention from that failure; one whose cleanup failed (its script stays in the
 * repository with no log) stays until a retry records it. A parked run (waiting, or interrupted:
 * see ParkedRuns) is never removed while it is parked. Runs never recorded (their
 * `process` failed) are not in the set and stay: they are on the Retry list.
 */
export class RunRetention {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
    private readonly queues: RunQueues,
    private readonly retention: Retention,
  ) {}

  /**
   * An attempt of the run is on record: it may go once the window has passed from now
   * (`scheduledMs` for a scheduled chore's run: a schedule makes many, and git keeps their record).
   */
  async recorded(runId: string, o: { now?: number; scheduled?: boolean } = {}): Promise<void> {
    const windowMs = o.scheduled ? Math.min(this.retention.scheduledMs, this.retention.completedMs) : this.retention.completedMs;
    await this.redis.zadd(this.indexKey, (o.now ?? Date.now()) + windowMs, runId);
  }

  /** How often to sweep so that a run goes within a minute (or a quarter window) of its time. */
  get intervalMs(): number {
    return Math.min(60_000, Math.max(1_000, Math.floor(this.retention.completedMs / 4)));
  }

  /**
   * One pass: removes the runs whose time is up, old discover jobs, and events older than the
   * window from each queue's event stream. Returns the ids of the runs removed.
   */
  async sweep(now = Date.now()): Promise<string[]> {
    const due = await this.redis.zrangebyscore(this.indexKey, "-inf", now, "LIMIT", 0, PER_PASS);
    const removed: string[] = [];
    for (const runId of due) {
      const keepUntil = await this.keepUntil(runId, now);
      if (keepUntil === null) {
        await this.remove(runId);
        removed.push(runId);
      } else {
        await this.redis.zadd(this.indexKey, keepUntil, runId);
      }
    }
    const { discover } = this.queues;
    await discover.clean(this.retention.completedMs, PER_PASS, "completed");
    await discover.clean(this.retention.failedMs, PER_PASS, "failed");
    const oldest = `${Math.max(0, now - Math.max(this.retention.completedMs, this.retention.failedMs))}-0`;
    await Promise.all(Object.values(this.queues).map((queue) => this.redis.xtrim(queue.keys.events!, "MINID", oldest)));
    return removed;
  }

  /** When to look at the run again, or null when it may go now. */
  private async keepUntil(runId: string, now: number): Promise<number | null> {
    // A parked run (waiting, or interrupted) may go on any time: it stays, with its bundle, ledger and inputs.
    if ((await this.redis.hexists(runKey(this.prefix, runId), "parked")) === 1) return now + this.retention.completedMs;
    const jobs = await this.jobsOf(runId, await this.attemptsOf(runId));
    let until = 0;
    for (const { queue, job } of jobs) {
      const state = await job.getState();
      if (BUSY.has(state)) return now + this.retention.completedMs;
      if (state !== "failed") continue;
      // A failed cleanup: its script has no log. Kept until a retry records it.
      if (queue === "cleanup") return Number.POSITIVE_INFINITY;
      until = Math.max(until, (job.finishedOn ?? now) + this.retention.failedMs);
    }
    return until > now ? until : null;
  }

  /** The run's jobs still in Redis: its process and execute jobs, and the cleanup job of each of `attempts`. */
  private async jobsOf(runId: string, attempts: number[]): Promise<{ queue: QueueName; job: Job<RunJobData> }[]> {
    const ids: [QueueName, string][] = [
      ["process", processJobId(runId)],
      ["execute", executeJobId(runId)],
      ...attempts.map((attempt): [QueueName, string] => ["cleanup", cleanupJobId(runId, attempt)]),
    ];
    const jobs = await Promise.all(ids.map(async ([queue, id]) => ({ queue, job: await Job.fromId<RunJobData>(this.queues[queue], id) })));
    return jobs.filter((entry): entry is { queue: QueueName; job: Job<RunJobData> } => entry.job !== undefined);
  }

  /** The attempts with a cleanup job: the merge's own, and each later one that was recorded (it has an outcome). */
  private async attemptsOf(runId: string): Promise<number[]> {
    const fields = await this.redis.hkeys(runKey(this.prefix, runId));
    const retries = fields
      .map((field) => /^outcome:(\d+)$/.exec(field)?.[1])
      .filter((n) => n !== undefined && Number(n) > 1)
      .map(Number);
    return [1, ...retries];
  }

  private async remove(runId: string): Promise<void> {
    // One read of the run's attempts: its cleanup jobs and its metrics keys are both named by them.
    const attempts = await this.attemptsOf(runId);
    const jobs = await this.jobsOf(runId, attempts);
    // Parents first, children left in place for their own removal: a chained merge's
    // process job has the previous script's cleanup as its child, which is another run.
    for (const queue of ["cleanup", "execute", "process"] as const) {
      for (const entry of jobs.filter((j) => j.queue === queue)) await entry.job.remove({ removeChildren: false });
    }
    // A chore run's history entry is found through its jobs' data, the one place its chore is named.
    const target = jobs.find((entry) => entry.job.data?.target?.chore)?.job.data.target;
    const metrics = metricsKeys(this.prefix);
    const keys = [
      runKey(this.prefix, runId),
      // A run an older release started (format 1) kept its bundle and ledger apart.
      format1Keys.bundle(this.prefix, runId),
      format1Keys.ledger(this.prefix, runId),
      cancelKey(this.prefix, runId),
      runInputsKey(this.prefix, runId),
      // Counted under the id of the cleanup job that recorded each attempt.
      ...attempts.map((attempt) => metrics.counted(cleanupJobId(runId, attempt))),
    ];
    const removal = this.redis.multi().del(...keys);
    if (target?.chore) removal.zrem(choreRunsKey(this.prefix, { owner: target.owner, repo: target.repo, name: target.chore.name }), runId);
    await removal.zrem(this.indexKey, runId).exec();
  }

  private get indexKey(): string {
    return `${this.prefix}:retention`;
  }
}
