import type { Queue } from "bullmq";
import type { Cluster, Redis } from "ioredis";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type HistogramConfiguration } from "prom-client";
import { readLiveState } from "../pipeline/live-state.js";
import type { RedisHealth } from "../redis/redis-info.js";
import { readScheduleMetrics, type ScheduleMetricsSource } from "./schedule-metrics.js";
import { readRunMetrics, RUN_DURATION_BUCKETS, type RunMetricsSnapshot } from "./run-metrics-store.js";
import { ParkedRuns } from "../stores/parked-runs.js";
import { countParkedRuns } from "./parked-metrics.js";

/** The job states reported per queue. */
export const QUEUE_STATES = ["waiting", "active", "delayed", "failed", "completed", "waiting-children"] as const;

export interface Metrics {
  registry: Registry;
  /** Reads Redis (queues and the recorded totals) and renders the Prometheus text. */
  render(): Promise<string>;
  /**
   * Renders without reading Redis (it is down, did not answer in time, or refused the
   * read): this process's metrics and the Redis gauges, `chorebot_redis_up` 0 unless
   * `answered` (Redis refused the read, e.g. a Lua read under OOM, but is up); the metrics
   * read from Redis are left out, not zeroed.
   */
  renderWithoutRedis(answered?: boolean): Promise<string>;
  contentType: string;
}

/**
 * chorebot's metrics on a registry of their own. Everything but the default Node metrics
 * (this process's) is read from Redis at scrape time, so every web process answers the
 * same numbers however many web and worker processes share the Redis:
 * - `chorebot_queue_jobs{queue,state}`: `getJobCounts()` of each queue;
 * - `chorebot_waiting_for_lock`: delayed execute jobs whose live state says why they wait (take-turn.ts);
 * - `chorebot_unrecorded_runs`: failed cleanup jobs (retention never removes them);
 * - `chorebot_parked_runs{kind}`: runs waiting for a signal or approvals (`waiting`), for a
 *   person's Resume or Roll back (`interrupted`: alert on > 0), or iterations a person paused (`paused`);
 * - `chorebot_runs_not_repeated_total`: runs the re-run guard let go (see run-metrics-store.ts);
 * - `chorebot_runs_total{status,script}`, `chorebot_run_duration_seconds{status}` and
 *   `chorebot_github_api_errors_total{status}`: the hashes `recordRunFinished` and
 *   `recordGitHubError` add to (see run-metrics-store.ts);
 * - with `schedules` (schedule-metrics.ts): `chorebot_schedule_last_success_timestamp_seconds
 *   {repository,chore}` (0: never yet), `chorebot_schedule_next_occurrence_timestamp_seconds
 *   {repository,chore}` (absent while paused or not set up) per scheduled chore, and
 *   `chorebot_schedule_runs_total{status}` (ScheduleStates.runCounts);
 * - with `redisHealth` (the Redis monitor's last poll, no round trip): `chorebot_redis_up`,
 *   `chorebot_redis_used_memory_bytes` and `chorebot_redis_maxmemory_bytes` (0: no limit).
 */
export function createMetrics(o: {
  queues: Queue[];
  redis: Redis | Cluster;
  prefix: string;
  redisHealth?: () => RedisHealth;
  schedules?: ScheduleMetricsSource;
}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "chorebot_" });
  const registers = [registry];
  // Every metric lives on this registry only.
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Gauge<L>({ name, help, labelNames, registers });
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Counter<L>({ name, help, labelNames, registers });

  const queueJobs = gauge("chorebot_queue_jobs", "Jobs per queue and state.", ["queue", "state"]);
  const waitingForLock = gauge("chorebot_waiting_for_lock", "Execute jobs delayed until another run releases its concurrency lock.");
  const runs = counter("chorebot_runs_total", "Runs whose cleanup completed, by status and script.", ["status", "script"]);
  const githubErrors = counter("chorebot_github_api_errors_total", "Failed GitHub API requests, by HTTP status (none: no response).", ["status"]);
  const notRepeated = counter(
    "chorebot_runs_not_repeated_total",
    "Runs of a push delivered again whose log was already on the default branch (or whose script was gone): nothing ran.",
  );
  const unrecorded = gauge(
    "chorebot_unrecorded_runs",
    "Runs whose cleanup failed: the script is still in the repository with no log. Kept until a retry records them; alert on > 0.",
  );
  const parkedRuns = gauge(
    "chorebot_parked_runs",
    "Runs parked until a decision: waiting for a signal or approvals, or interrupted (a person must Resume or Roll back).",
    ["kind"],
  );
  const parked = new ParkedRuns(o.redis, o.prefix);
  const durations = new StoredHistogram({
    name: "chorebot_run_duration_seconds",
    help: "How long scripts ran, by status (0 for runs that never started).",
    labelNames: ["status"],
    buckets: [...RUN_DURATION_BUCKETS],
    registers,
  });

  const execute = o.queues.find((queue) => queue.name === "execute");
  // The metrics read from Redis: left out of a page rendered without it.
  const readFromRedis = new Set([
    "chorebot_queue_jobs",
    "chorebot_waiting_for_lock",
    "chorebot_runs_total",
    "chorebot_github_api_errors_total",
    "chorebot_runs_not_repeated_total",
    "chorebot_unrecorded_runs",
    "chorebot_run_duration_seconds",
    "chorebot_parked_runs",
  ]);
  const setRedisGauges = redisGauges(gauge, o.redisHealth);
  const readSchedules = scheduleGauges(gauge, counter, o.schedules);
  if (o.schedules) for (const name of SCHEDULE_METRICS) readFromRedis.add(name);

  return {
    registry,
    contentType: registry.contentType,
    async render() {
      const [counts, lockWaits, stored, setSchedules, parkedCounts] = await Promise.all([
        Promise.all(o.queues.map(async (queue) => ({ queue: queue.name, counts: await queue.getJobCounts(...QUEUE_STATES) }))),
        execute ? countWaitingForLock(execute, o.redis) : Promise.resolve(0),
        readRunMetrics(o.redis, o.prefix),
        readSchedules(),
        countParkedRuns(parked),
      ]);
      // All at once, with no await in between: a concurrent scrape sees one whole snapshot or the other.
      queueJobs.reset();
      for (const { queue, counts: byState } of counts) {
        for (const state of QUEUE_STATES) queueJobs.set({ queue, state }, byState[state] ?? 0);
      }
      waitingForLock.set(lockWaits);
      unrecorded.set(counts.find(({ queue }) => queue === "cleanup")?.counts.failed ?? 0);
      parkedRuns.set({ kind: "waiting" }, parkedCounts.waiting);
      parkedRuns.set({ kind: "interrupted" }, parkedCounts.interrupted);
      parkedRuns.set({ kind: "paused" }, parkedCounts.paused);
      notRepeated.reset();
      notRepeated.inc(stored.notRepeated);
      runs.reset();
      for (const { status, script, count } of stored.runs) runs.inc({ status, script }, count);
      githubErrors.reset();
      for (const { status, count } of stored.githubErrors) githubErrors.inc({ status }, count);
      durations.stored = stored.durations;
      setSchedules();
      setRedisGauges(true);
      return registry.metrics();
    },
    async renderWithoutRedis(answered = false) {
      setRedisGauges(answered);
      const names = registry
        .getMetricsAsArray()
        .map((metric) => metric.name)
        .filter((name) => !readFromRedis.has(name));
      const texts = await Promise.all(names.map((name) => registry.getSingleMetricAsString(name)));
      return `${texts.join("\n\n")}\n`;
    },
  };
}

/**
 * The Redis gauges, set from the monitor's state; `answered` false (Redis could not be read
 * for this scrape) reports it down whatever the monitor last saw. No gauges without a monitor.
 */
function redisGauges(gauge: (name: string, help: string) => Gauge, health: (() => RedisHealth) | undefined): (answered: boolean) => void {
  if (!health) return () => {};
  const up = gauge("chorebot_redis_up", "1 when Redis answers (the last poll of this process's monitor), else 0.");
  const used = gauge("chorebot_redis_used_memory_bytes", "Redis' used_memory (INFO memory) at the last poll.");
  const max = gauge("chorebot_redis_maxmemory_bytes", "Redis' maxmemory (0: no limit) at the last poll.");
  return (answered) => {
    const state = health();
    up.set(answered && state.up ? 1 : 0);
    if (state.usedMemory === null) used.reset();
    else used.set(state.usedMemory);
    if (state.maxmemory === null) max.reset();
    else max.set(state.maxmemory);
  };
}

const SCHEDULE_METRICS = [
  "chorebot_schedule_last_success_timestamp_seconds",
  "chorebot_schedule_next_occurrence_timestamp_seconds",
  "chorebot_schedule_runs_total",
] as const;

/**
 * The schedule metrics: a read (at scrape time) that answers how to set them, so every metric of
 * a scrape is set together after all reads. No metrics without a source.
 */
function scheduleGauges(
  gauge: <L extends string>(name: string, help: string, labelNames: readonly L[]) => Gauge<L>,
  counter: <L extends string>(name: string, help: string, labelNames: readonly L[]) => Counter<L>,
  source: ScheduleMetricsSource | undefined,
): () => Promise<() => void> {
  if (!source) return async () => () => {};
  const [lastSuccessName, nextName, runsName] = SCHEDULE_METRICS;
  const lastSuccess = gauge(lastSuccessName, "When each scheduled chore last succeeded (seconds since the epoch; 0: never yet).", ["repository", "chore"]);
  const next = gauge(nextName, "Each scheduled chore's next occurrence (seconds since the epoch); absent while paused or not set up.", ["repository", "chore"]);
  const runs = counter(runsName, "Occurrences and tries of scheduled chores that ended, by status (skipped: the previous run still went).", ["status"]);
  return async () => {
    const read = await readScheduleMetrics(source);
    return () => {
      lastSuccess.reset();
      next.reset();
      for (const { repository, chore, lastSuccess: at, next: nextAt } of read.schedules) {
        lastSuccess.set({ repository, chore }, at ?? 0);
        if (nextAt !== null) next.set({ repository, chore }, nextAt);
      }
      runs.reset();
      for (const [status, count] of Object.entries(read.runs)) runs.inc({ status }, count);
    };
  };
}

/**
 * Execute jobs that went back to `delayed` to wait for a concurrency lock (take-turn.ts):
 * reads only the progress field (the live state) of each delayed job, not its data. `redis`
 * must be the queues' Redis (and database).
 */
async function countWaitingForLock(execute: Queue, redis: Redis | Cluster): Promise<number> {
  const ids = await execute.getRanges(["delayed"], 0, -1);
  if (ids.length === 0) return 0;
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hget(execute.toKey(id), "progress");
  const replies = (await pipeline.exec()) ?? [];
  return replies.filter(([error, progress]) => !error && isWaitingProgress(progress)).length;
}

function isWaitingProgress(raw: unknown): boolean {
  if (typeof raw !== "string") return false;
  try {
    return readLiveState(JSON.parse(raw)).waiting !== undefined;
  } catch {
    return false;
  }
}

/**
 * A histogram whose buckets come from Redis (counted by every worker) instead of from
 * `observe()` in this process, rendered exactly like prom-client's own. The registry renders
 * a histogram from `getForPromString()` (undocumented; `get()` is built on it), so both are
 * answered here, from the metric object of an empty, unregistered twin plus the stored values.
 */
class StoredHistogram extends Histogram<"status"> {
  stored: RunMetricsSnapshot["durations"] = [];
  readonly #twin: Histogram<"status">;

  constructor(config: HistogramConfiguration<"status">) {
    super(config);
    this.#twin = new Histogram({ ...config, registers: [] });
  }

  override async get() {
    const base = await this.#twin.get();
    const values = this.stored.flatMap(({ status, buckets, sum, count }) => [
      ...buckets.map(({ le, count: n }) => ({ metricName: `${base.name}_bucket`, labels: { status, le }, value: n })),
      { metricName: `${base.name}_bucket`, labels: { status, le: "+Inf" }, value: count },
      { metricName: `${base.name}_sum`, labels: { status }, value: sum },
      { metricName: `${base.name}_count`, labels: { status }, value: count },
    ]);
    return { ...base, values };
  }

  getForPromString() {
    return this.get();
  }
}
