import type { Cluster, Redis } from "ioredis";
import type { CleanupResult } from "../pipeline/job-data.js";

/**
 * What /metrics reports about finished runs and GitHub errors lives in Redis, not in the
 * memory of the process that saw it: runs finish in worker processes, which serve no HTTP,
 * and any number of web processes may answer a scrape. Every process adds to the same
 * hashes; whichever web process is scraped reads them, so each answers the same totals
 * (Prometheus must not sum them across web processes: `max` or one target is right).
 *
 * Keys, all under the queue prefix (so a `{hash tag}` prefix keeps them in one cluster slot):
 * - `<prefix>:metrics:runs`          field `<status>|<script>` → runs finished
 * - `<prefix>:metrics:run_duration`  field `<status>|<le>` → runs whose duration fell in that
 *   bucket only (not cumulative; `<le>` is the smallest bound ≥ the duration, or `+Inf`),
 *   plus `<status>|sum` (seconds) and `<status>|count`
 * - `<prefix>:metrics:github_errors` field `<status>` → failed GitHub API requests
 * - `<prefix>:metrics:not_repeated` field `total` → runs a push delivered again that the
 *   repository showed as handled before (re-run guard), so nothing ran
 * - `<prefix>:metrics:counted:<id>`  a run already counted (see `recordRunFinished`'s `id`)
 */
export function metricsKeys(prefix: string) {
  return {
    runs: `${prefix}:metrics:runs`,
    runDuration: `${prefix}:metrics:run_duration`,
    githubErrors: `${prefix}:metrics:github_errors`,
    notRepeated: `${prefix}:metrics:not_repeated`,
    counted: (id: string) => `${prefix}:metrics:counted:${id}`,
  };
}

/** Upper bounds (seconds) of the run duration buckets: scripts run from a blink to an hour. */
export const RUN_DURATION_BUCKETS: readonly number[] = [0.5, 1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];

/** How long a counted run's id is remembered, so that a cleanup that runs again is not counted twice. */
const COUNTED_TTL_SECONDS = 7 * 24 * 3600;

// Atomic: the run is counted once per id, and all of its numbers at once.
const RECORD_RUN = `
if ARGV[5] == "1" and not redis.call("SET", KEYS[3], "1", "NX", "EX", ARGV[6]) then return 0 end
redis.call("HINCRBY", KEYS[1], ARGV[1], 1)
redis.call("HINCRBY", KEYS[2], ARGV[2], 1)
redis.call("HINCRBY", KEYS[2], ARGV[3] .. "|count", 1)
redis.call("HINCRBYFLOAT", KEYS[2], ARGV[3] .. "|sum", ARGV[4])
return 1
`;

/**
 * Counts a finished run (call it once the cleanup step has committed the log). `durationMs`
 * is the script's own run time (`execution.durationMs`; 0 for a run that never started).
 * With `id` (the cleanup job's id) a run is counted at most once, however often its cleanup
 * runs. Resolves true when the run was counted, false when `id` had already been.
 */
export async function recordRunFinished(
  redis: Redis | Cluster,
  prefix: string,
  result: Pick<CleanupResult, "status" | "script">,
  durationMs: number,
  options: { id?: string } = {},
): Promise<boolean> {
  const keys = metricsKeys(prefix);
  const seconds = Number.isFinite(durationMs) && durationMs > 0 ? durationMs / 1000 : 0;
  const bound = RUN_DURATION_BUCKETS.find((le) => seconds <= le);
  const counted = await redis.eval(
    RECORD_RUN,
    3,
    keys.runs,
    keys.runDuration,
    keys.counted(options.id ?? ""),
    `${result.status}|${result.script}`,
    `${result.status}|${bound === undefined ? "+Inf" : String(bound)}`,
    result.status,
    String(seconds),
    options.id === undefined ? "0" : "1",
    String(COUNTED_TTL_SECONDS),
  );
  return counted === 1;
}

/** Counts a run the re-run guard let go: its push came again, its log was already committed. */
export async function recordNotRepeated(redis: Redis | Cluster, prefix: string): Promise<void> {
  await redis.hincrby(metricsKeys(prefix).notRepeated, "total", 1);
}

/** Counts one failed GitHub API request by its HTTP status (`none` when no response came). */
export async function recordGitHubError(redis: Redis | Cluster, prefix: string, status: number | string | undefined | null): Promise<void> {
  await redis.hincrby(metricsKeys(prefix).githubErrors, githubErrorLabel(status), 1);
}

function githubErrorLabel(status: number | string | undefined | null): string {
  // A bounded label: an HTTP status, or "none" (network error, timeout, aborted request).
  const text = String(status ?? "");
  return /^[1-5][0-9][0-9]$/.test(text) ? text : "none";
}

/** The smallest shape of an Octokit (core, Probot's) that `countGitHubErrors` hooks into. */
interface HookableOctokit {
  hook: { error(name: "request", hook: (error: Error & { status?: number; response?: unknown }) => never): void };
}

/**
 * An Octokit plugin that counts every failed request (`recordGitHubError`) and rethrows it
 * untouched. Counting never waits for Redis nor fails the request. Use it on the Octokit
 * class both parts share: `Octokit: chorebotOctokit(ms).plugin(countGitHubErrors(redis, prefix))`.
 * Each failed attempt counts, including those the retry and throttling plugins repeat, and
 * expected ones (a 404 while checking whether a file exists): filter by `status`.
 */
export function countGitHubErrors(redis: Redis | Cluster, prefix: string, onError: (error: unknown) => void = () => undefined) {
  return (octokit: HookableOctokit): void => {
    octokit.hook.error("request", (error) => {
      // Octokit reports a request that got no response (network error, timeout) as a 500 too.
      recordGitHubError(redis, prefix, error.response === undefined ? null : error.status).catch(onError);
      throw error;
    });
  };
}

export interface RunMetricsSnapshot {
  runs: { status: string; script: string; count: number }[];
  durations: { status: string; buckets: { le: number; count: number }[]; sum: number; count: number }[];
  githubErrors: { status: string; count: number }[];
  notRepeated: number;
}

/** Reads the totals every process has recorded. */
export async function readRunMetrics(redis: Redis | Cluster, prefix: string): Promise<RunMetricsSnapshot> {
  const keys = metricsKeys(prefix);
  const replies = await redis.multi().hgetall(keys.runs).hgetall(keys.runDuration).hgetall(keys.githubErrors).hget(keys.notRepeated, "total").exec();
  if (!replies) throw new Error("metrics read aborted");
  const hashes = replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
  const [runsHash = {}, durationHash = {}, githubHash = {}] = hashes.slice(0, 3) as Record<string, string>[];
  const notRepeated = Number(hashes[3] ?? 0);

  const runs = Object.entries(runsHash).map(([field, count]) => {
    // A status has no "|"; a script path might.
    const bar = field.indexOf("|");
    return { status: field.slice(0, bar), script: field.slice(bar + 1), count: Number(count) };
  });

  const byStatus = new Map<string, { inBucket: Map<number, number>; sum: number; count: number }>();
  for (const [field, value] of Object.entries(durationHash)) {
    const bar = field.lastIndexOf("|");
    const status = field.slice(0, bar);
    const part = field.slice(bar + 1);
    let entry = byStatus.get(status);
    if (!entry) byStatus.set(status, (entry = { inBucket: new Map(), sum: 0, count: 0 }));
    if (part === "sum") entry.sum = Number(value);
    else if (part === "count") entry.count = Number(value);
    else if (part !== "+Inf") entry.inBucket.set(Number(part), Number(value));
  }
  const durations = [...byStatus].map(([status, { inBucket, sum, count }]) => ({
    status,
    // Cumulative, as Prometheus wants them; a bound stored under older buckets counts in every
    // configured bucket at or above it.
    buckets: RUN_DURATION_BUCKETS.map((le) => ({
      le,
      count: [...inBucket].reduce((total, [bound, n]) => (bound <= le ? total + n : total), 0),
    })),
    sum,
    count,
  }));

  const githubErrors = Object.entries(githubHash).map(([status, count]) => ({ status, count: Number(count) }));
  return { runs, durations, githubErrors, notRepeated };
}
