/**
 * `npm run bench:soak`: what chorebot leaves in Redis per run, with and without retention.
 * Drives N runs (merges of many scripts, order: parallel) through a web process and two
 * `chorebot worker` processes on a private redis-server, twice: without retention (nothing
 * is removed for 14 days) and with JOB_RETENTION=5s. Prints Redis bytes per retained run and
 * bytes left per finished run once the window (and a sweep) passed; the goal is < 1 KB.
 * Not part of `npm run bench` (it takes minutes); stores its figures in bench/results.json
 * under `benchmarks.soak`, next to whatever the last `npm run bench` stored. See bench/README.md.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Job, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import type { CleanupResult } from "../src/pipeline/job-data.js";
import type { Harness } from "../test/e2e/harness.js";
import { closeAll, deliverPushTimed, linkDist, log, machine, ROOT, round, sleep, verdict, withHarness } from "./lib.js";
import { perRun, snapshot, type PerRun, type RedisSnapshot } from "./redis-memory.js";

const GOAL_BYTES = 1024;
const WORKERS = 2;
const WORKER_CONCURRENCY = 2;
/** No finished run for this long: the drive is reported incomplete rather than waited for. */
const STALL_MS = 120_000;
/** After the window and a sweep, keys must stop dropping for this long (at least; 2 sweeps if longer). */
const STABLE_MS = 3_000;
/** How long past the window + a sweep the key count may still be dropping before it is measured anyway. */
const GRACE_MS = 60_000;

/** The script kinds a soak drives, each its own figures. */
const KINDS = {
  "one-liner": (i: number) => `console.log("soak run ${i}");\n`,
  // ~100 KB of output: 1,024 lines of 100 bytes.
  "print-100k": (i: number) => `process.stdout.write(("x".repeat(99) + "\\n").repeat(1024));\nconsole.log("soak run ${i}");\n`,
  // Imports the SDK: its bundle includes the SDK runtime (tens of KB).
  sdk: (i: number) =>
    `import { defineScript } from "chorebot";\nexport default defineScript({\n  description: "soak run ${i}",\n  async run({ log }) {\n    log("soak run ${i}");\n  },\n});\n`,
} as const;
type Kind = keyof typeof KINDS;

function envCount(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number ≥ 0, got ${raw}`);
  return value;
}

/** `5s`, `2m`, `1h`, `14d` → ms (the soak's own reading of the duration it passes to JOB_RETENTION). */
export function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: ${text} (use e.g. 5s, 2m)`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as "ms" | "s" | "m" | "h" | "d"];
  return Number(match[1]) * unit;
}

export interface SoakSettings {
  runs: Record<Kind, number>;
  mergeSize: number;
  retention: string;
  configs: ("without" | "with")[];
}

export function soakSettingsFromEnv(): SoakSettings {
  const oneLiners = envCount("SOAK_RUNS", 500);
  const configs = (process.env.SOAK_CONFIGS ?? "without,with")
    .split(",")
    .map((c) => c.trim())
    .filter(Boolean);
  for (const c of configs) if (c !== "without" && c !== "with") throw new Error(`SOAK_CONFIGS: unknown config ${c} (without, with)`);
  return {
    runs: {
      "one-liner": oneLiners,
      "print-100k": envCount("SOAK_PRINT_RUNS", Math.round(oneLiners / 10)),
      sdk: envCount("SOAK_SDK_RUNS", Math.round(oneLiners / 20)),
    },
    mergeSize: Math.max(1, envCount("SOAK_MERGE", 50)),
    retention: process.env.SOAK_RETENTION ?? "5s",
    configs: configs as SoakSettings["configs"],
  };
}

/**
 * Counts the cleanup jobs that finished (completed or failed for good), from the cleanup
 * queue's events: by count, not by expected job id, so it holds whatever ids the app gives.
 */
class Finishes {
  /** Every cleanup job an event named; finished ones are also in `done`. */
  readonly seen = new Set<string>();
  /** Finished jobs, in the order they finished, with their run's status. */
  readonly done = new Map<string, string>();
  lastAt = 0;
  constructor(events: QueueEvents) {
    for (const event of ["added", "waiting", "waiting-children", "active"] as const) events.on(event, ({ jobId }: { jobId: string }) => this.seen.add(jobId));
    events.on("completed", ({ jobId, returnvalue }) => this.finish(jobId, statusOf(returnvalue)));
    events.on("failed", ({ jobId }) => this.finish(jobId, "cleanup failed"));
  }
  private finish(jobId: string, status: string) {
    if (this.done.has(jobId)) return;
    this.seen.add(jobId);
    this.done.set(jobId, status);
    this.lastAt = Date.now();
  }
  /**
   * An event can be missed (a reconnect, a stream trimmed before it was read): ask the jobs
   * seen but not seen finishing. One that is gone was removed, so it had finished.
   */
  async recheck(h: Harness) {
    for (const id of [...this.seen].filter((id) => !this.done.has(id))) {
      const job = await Job.fromId<unknown, CleanupResult>(h.queues.cleanup, id);
      if (!job) this.finish(id, "finished (removed before its event was read)");
      else if (job.finishedOn !== undefined) this.finish(id, job.returnvalue?.status ?? (job.failedReason ? "cleanup failed" : "finished"));
    }
  }
}

function statusOf(returnvalue: unknown): string {
  let value = returnvalue;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return "finished";
    }
  }
  return (value as { status?: string } | null)?.status ?? "finished";
}

/**
 * Merges `count` scripts of one kind, `mergeSize` per pull request, and delivers each push;
 * the next merge goes once at most one merge's worth of runs is outstanding, so the workers
 * never wait for the stand-in. Resolves when as many cleanups finished as scripts were merged
 * (or none finished for STALL_MS).
 */
async function drive(h: Harness, finishes: Finishes, kind: Kind, count: number, mergeSize: number) {
  const start = Date.now();
  const doneBefore = finishes.done.size;
  let merged = 0;
  const outstanding = () => doneBefore + merged - finishes.done.size;
  const waitUntil = async (enough: () => boolean) => {
    let progressAt = Date.now();
    let count = finishes.done.size;
    let rechecked = Date.now();
    while (!enough()) {
      await sleep(100);
      if (finishes.done.size !== count) [count, progressAt] = [finishes.done.size, Date.now()];
      if (Date.now() - rechecked > 15_000) {
        await finishes.recheck(h);
        rechecked = Date.now();
      }
      if (Date.now() - progressAt > STALL_MS) return false;
    }
    return true;
  };
  let complete = true;
  for (let first = 0; first < count && complete; first += mergeSize) {
    const n = Math.min(mergeSize, count - first);
    const files = Object.fromEntries(
      Array.from({ length: n }, (_, j) => [`scripts/soak-${kind}-${String(first + j).padStart(5, "0")}.ts`, KINDS[kind](first + j)]),
    );
    const pr = await h.gh.mergePullRequest({ files, author: "alice", approvals: ["bob"] });
    await deliverPushTimed(h, pr);
    merged += n;
    complete = await waitUntil(() => outstanding() <= mergeSize);
  }
  if (complete) await waitUntil(() => outstanding() <= 0);
  const ids = [...finishes.done.keys()].slice(doneBefore);
  const statuses: Record<string, number> = {};
  for (const id of ids) {
    const status = finishes.done.get(id)!;
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
  if (ids.length < count) statuses["not finished"] = count - ids.length;
  return { ids, finished: Math.min(ids.length, count), statuses, seconds: (Date.now() - start) / 1000, lastFinishAt: finishes.lastAt };
}

/**
 * Waits out the window: until `retentionMs` plus a sweep interval (min(60 s, retention/4))
 * after the last run finished, then until the key count stops dropping (no drop of more than
 * 2 keys for max(STABLE_MS, 2 sweeps): idle workers still touch a key or two), or GRACE_MS
 * more at most.
 */
async function waitOutWindow(redis: Redis, lastFinishAt: number, retentionMs: number) {
  const sweepMs = Math.min(60_000, retentionMs / 4);
  const earliest = lastFinishAt + retentionMs + sweepMs;
  const stableMs = Math.max(STABLE_MS, 2 * sweepMs);
  const deadline = earliest + stableMs + GRACE_MS;
  const start = Date.now();
  let lowest = await redis.dbsize();
  const keysAtStart = lowest;
  let lastDrop = Date.now();
  for (;;) {
    const keys = await redis.dbsize();
    if (keys < lowest - 2) [lowest, lastDrop] = [keys, Date.now()];
    else lowest = Math.min(lowest, keys);
    const now = Date.now();
    if (now >= earliest && now - lastDrop >= stableMs) return { waitedMs: now - start, keysAtStart, settled: true, sweepMs };
    if (now >= deadline) return { waitedMs: now - start, keysAtStart, settled: false, sweepMs };
    await sleep(250);
  }
}

/** Figures per run of several drives, as if one: weighted by their runs. */
function combine(parts: PerRun[]): PerRun {
  const runs = parts.reduce((sum, p) => sum + p.runs, 0);
  const weighted = (pick: (p: PerRun) => number) => parts.reduce((sum, p) => sum + pick(p) * p.runs, 0) / runs;
  const groups: PerRun["groups"] = {};
  for (const p of parts) {
    for (const [shape, g] of Object.entries(p.groups)) {
      const into = (groups[shape] ??= { keys: 0, bytes: 0 });
      into.keys += (g.keys * p.runs) / runs;
      into.bytes += (g.bytes * p.runs) / runs;
    }
  }
  return {
    runs,
    keysPerRun: weighted((p) => p.keysPerRun),
    bytesPerRun: weighted((p) => p.bytesPerRun),
    usedMemoryPerRun: weighted((p) => p.usedMemoryPerRun),
    groups,
  };
}

/** The part of `groups` worth printing: the largest key shapes (per run) first. */
function topGroups(groups: PerRun["groups"], limit = 8) {
  return Object.entries(groups)
    .sort(([, a], [, b]) => Math.abs(b.bytes) - Math.abs(a.bytes))
    .slice(0, limit)
    .map(([shape, { keys, bytes }]) => `${shape} ${kb(bytes)} (${round(keys, 2)} keys)`);
}
const kb = (bytes: number) => (Math.abs(bytes) >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${Math.round(bytes)} B`);
const rounded = (r: PerRun) => ({
  runs: r.runs,
  keysPerRun: round(r.keysPerRun, 2),
  bytesPerRun: Math.round(r.bytesPerRun),
  usedMemoryPerRun: Math.round(r.usedMemoryPerRun),
  groups: Object.fromEntries(Object.entries(r.groups).map(([shape, g]) => [shape, { keys: round(g.keys, 3), bytes: Math.round(g.bytes) }])),
});

interface KindFigures {
  kind: Kind;
  runs: number;
  finished: number;
  statuses: Record<string, number>;
  driveSeconds: number;
  runsPerSecond: number;
  /** What the runs added, measured right after the last one finished. */
  atEnd: PerRun;
  /** Runs whose cleanup job was still in Redis at that moment. */
  retainedAtEnd: number;
  /** What they left once the window and a sweep passed (measured per kind only with retention). */
  afterWindow?: PerRun;
  window?: { waitedMs: number; settled: boolean; sweepMs: number };
}

async function soakConfig(settings: SoakSettings, config: "without" | "with") {
  const retentionMs = durationMs(settings.retention);
  const env: Record<string, string> =
    config === "with" ? { JOB_RETENTION: settings.retention, FAILED_JOB_RETENTION: settings.retention, JOB_RETENTION_UNSAFE_SHORT: "1" } : {};
  return withHarness({ workers: WORKERS, workerConcurrency: WORKER_CONCURRENCY, env }, async (h) => {
    await h.gh.commitFiles({ files: { ".github/chorebot.yml": "order: parallel\n" }, message: "chorebot: run merged scripts in parallel" });
    const connection = { host: "127.0.0.1", port: h.redis.port };
    const redis = new Redis(connection);
    const prefix = h.queues.cleanup.opts.prefix ?? "bull";
    const events = new QueueEvents("cleanup", { connection, prefix });
    try {
      await events.waitUntilReady();
      const finishes = new Finishes(events);
      await sleep(1000);
      const baseline = await snapshot(redis);
      // The events stream cap each queue's meta holds (every Queue object writes its own when created).
      const streamCaps = Object.fromEntries(
        await Promise.all(Object.keys(h.queues).map(async (q) => [q, await redis.hget(`${prefix}:${q}:meta`, "opts.maxLenEvents")] as const)),
      );
      const kinds: KindFigures[] = [];
      let previous: RedisSnapshot = baseline;
      let last: RedisSnapshot = baseline;
      let lastFinishAt = Date.now();
      let totalRuns = 0;
      for (const kind of Object.keys(KINDS) as Kind[]) {
        const count = settings.runs[kind];
        if (count === 0) continue;
        const d = await drive(h, finishes, kind, count, settings.mergeSize);
        await sleep(300);
        const end = await snapshot(redis);
        const existing = await redis.pipeline(d.ids.map((id) => ["exists", `${prefix}:cleanup:${id}`])).exec();
        const retainedAtEnd = (existing ?? []).filter(([, n]) => n === 1).length;
        const figures: KindFigures = {
          kind,
          runs: count,
          finished: d.finished,
          statuses: d.statuses,
          driveSeconds: round(d.seconds, 1),
          runsPerSecond: round(d.finished / d.seconds, 2),
          atEnd: perRun(previous, end, count),
          retainedAtEnd,
        };
        lastFinishAt = d.lastFinishAt || Date.now();
        if (config === "with") {
          const window = await waitOutWindow(redis, lastFinishAt, retentionMs);
          const after = await snapshot(redis);
          figures.afterWindow = perRun(previous, after, count);
          figures.window = window;
          previous = after;
        } else previous = end;
        last = previous;
        totalRuns += count;
        kinds.push(figures);
        log(
          `  ${config} retention, ${kind}: ${d.finished}/${count} finished in ${figures.driveSeconds} s (${figures.runsPerSecond} runs/s; ${Object.entries(
            d.statuses,
          )
            .map(([s, n]) => `${n} ${s}`)
            .join(", ")})` +
            `, ${kb(figures.atEnd.bytesPerRun)}/run at the end (${retainedAtEnd} runs retained)` +
            (figures.afterWindow
              ? `, ${kb(figures.afterWindow.bytesPerRun)}/run after the window (waited ${(figures.window!.waitedMs / 1000).toFixed(1)} s${figures.window!.settled ? "" : ", still dropping at the deadline"})`
              : ""),
        );
      }
      // Totals: without retention, the same wait as with it, once, to show that nothing goes.
      // With retention each kind waited out its window before the next: what was there at the end of each drive, weighted.
      const totalAtEnd = config === "with" ? combine(kinds.map((k) => k.atEnd)) : perRun(baseline, last, totalRuns);
      let totalAfter: PerRun;
      let window;
      if (config === "with") totalAfter = perRun(baseline, last, totalRuns);
      else {
        window = await waitOutWindow(redis, lastFinishAt, retentionMs);
        totalAfter = perRun(baseline, await snapshot(redis), totalRuns);
      }
      return {
        config,
        env,
        streamCaps,
        baseline: { keys: baseline.keys, bytes: baseline.bytes, usedMemory: baseline.usedMemory },
        kinds,
        totalRuns,
        totalAtEnd,
        totalAfter,
        window,
      };
    } finally {
      await events.close();
      redis.disconnect();
    }
  });
}

type ConfigFigures = Awaited<ReturnType<typeof soakConfig>>;

/** Prints the table; returns what goes to results.json. */
function report(settings: SoakSettings, configs: ConfigFigures[]) {
  const without = configs.find((c) => c.config === "without");
  const rows: string[][] = [];
  const stored: object[] = [];
  const header = ["retention", "kind", "runs", "finished", "retained: B/run", "used_memory/run", "keys/run", "after window: B/run", "keys/run", `< 1 KB`];
  for (const c of configs) {
    const lines = [...c.kinds.map((k) => ({ ...k, label: k.kind })), null];
    for (const k of lines) {
      const label = k?.label ?? "all";
      const runs = k?.runs ?? c.totalRuns;
      const finished = k ? String(k.finished) : String(c.kinds.reduce((sum, x) => sum + x.finished, 0));
      const atEnd = k?.atEnd ?? c.totalAtEnd;
      const after = k ? k.afterWindow : c.totalAfter;
      // Without retention every run is retained at the end; with it, only the last window's.
      const retained = c.config === "without" ? atEnd : null;
      const reference = without ? (k ? without.kinds.find((x) => x.kind === k.kind)?.atEnd : without.totalAtEnd) : undefined;
      let goal = "";
      let removed: string | undefined;
      if (c.config === "with" && after) {
        removed =
          reference && after.keysPerRun >= 0.9 * reference.keysPerRun
            ? "not removed"
            : after.keysPerRun < atEnd.keysPerRun || (reference && after.keysPerRun < reference.keysPerRun)
              ? "removed"
              : "not removed";
        const dropping = k ? k.window?.settled === false : c.kinds.some((x) => x.window?.settled === false);
        goal = `${verdict(after.bytesPerRun < GOAL_BYTES)}${removed === "not removed" ? " (not removed)" : ""}${dropping ? " (still dropping at the deadline)" : ""}`;
      } else if (c.config === "without") goal = "(no retention)";
      rows.push([
        c.config === "with" ? settings.retention : "none",
        label,
        String(runs),
        finished,
        retained ? kb(retained.bytesPerRun) : `${kb(atEnd.bytesPerRun)}*`,
        retained ? kb(retained.usedMemoryPerRun) : `${kb(atEnd.usedMemoryPerRun)}*`,
        String(round(atEnd.keysPerRun, 2)),
        after ? kb(after.bytesPerRun) : "—",
        after ? String(round(after.keysPerRun, 2)) : "—",
        goal,
      ]);
      stored.push({
        retention: c.config === "with" ? settings.retention : null,
        kind: label,
        runs,
        finished: Number(finished),
        ...(k ? { statuses: k.statuses, driveSeconds: k.driveSeconds, runsPerSecond: k.runsPerSecond, retainedAtEnd: k.retainedAtEnd } : {}),
        atEnd: rounded(atEnd),
        afterWindow: after ? rounded(after) : null,
        ...(c.config === "with" && after ? { removed, pass: after.bytesPerRun < GOAL_BYTES } : {}),
      });
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")}`;
  log("");
  log(line(header));
  for (const row of rows) log(line(row));
  log(
    `  B/run: the sum of MEMORY USAGE over every key (SCAN) minus the baseline before any run, per run; used_memory/run: INFO used_memory the same way (noisier).`,
  );
  if (configs.some((c) => c.config === "with")) {
    log(
      `  * with retention, "retained" is what was in Redis right after the last run finished, per run driven: runs finished more than ${settings.retention} earlier may be gone already.`,
    );
  }
  for (const c of configs) {
    const groups = c.config === "without" ? c.totalAtEnd.groups : c.totalAfter.groups;
    log(
      `  ${c.config === "without" ? "retained per run, without retention" : `left per run after the window, with ${settings.retention}`}, largest key shapes: ${topGroups(groups).join("; ") || "none"}`,
    );
    log(
      `  events stream caps (opts.maxLenEvents in each queue's meta), ${c.config} retention: ${Object.entries(c.streamCaps)
        .map(([q, cap]) => `${q} ${cap ?? "unset"}`)
        .join(", ")}`,
    );
  }
  return stored;
}

function codeVersion(): string {
  try {
    return execFileSync("git", ["-C", ROOT, "describe", "--always", "--dirty"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

export async function soakBench(settings: SoakSettings) {
  const total = Object.values(settings.runs).reduce((a, b) => a + b, 0);
  log(
    `\n## Soak: ${total} runs per configuration (${Object.entries(settings.runs)
      .map(([k, n]) => `${n} ${k}`)
      .join(", ")}), merges of ${settings.mergeSize} scripts (order: parallel), web + ${WORKERS} worker processes × WORKER_CONCURRENCY ${WORKER_CONCURRENCY}`,
  );
  log(
    `  configurations: ${settings.configs.map((c) => (c === "with" ? `JOB_RETENTION=FAILED_JOB_RETENTION=${settings.retention} JOB_RETENTION_UNSAFE_SHORT=1` : "no retention settings")).join(" | ")}; code ${codeVersion()}`,
  );
  const configs: ConfigFigures[] = [];
  for (const config of settings.configs) configs.push(await soakConfig(settings, config));
  const rows = report(settings, configs);
  const withRetention = rows.filter((r) => (r as { retention: string | null }).retention !== null && "pass" in r) as { pass: boolean }[];
  return {
    code: codeVersion(),
    settings,
    goal: `bytes left per finished run after the window < ${GOAL_BYTES}`,
    rows,
    configs: configs.map((c) => ({ config: c.config, env: c.env, streamCaps: c.streamCaps, baseline: c.baseline, window: c.window })),
    pass: withRetention.length > 0 ? withRetention.every((r) => r.pass) : null,
  };
}

async function main() {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log(`\n${signal}: stopping the soak's processes`);
      void closeAll().finally(() => process.exit(130));
    });
  }
  const settings = soakSettingsFromEnv();
  await linkDist();
  log(`chorebot soak on ${machine().cpus} × ${machine().cpuModel}, node ${process.version}`);
  const started = performance.now();
  // results.json is `npm run bench`'s: keep what it holds, replace only the soak's entry.
  const resultsPath = join(ROOT, "bench", "results.json");
  let results: { benchmarks?: Record<string, unknown> } & Record<string, unknown> = {};
  if (existsSync(resultsPath)) {
    try {
      results = JSON.parse(readFileSync(resultsPath, "utf8")) as typeof results;
    } catch {
      results = {};
    }
  }
  results.machine ??= machine();
  results.benchmarks ??= {};
  let failed = false;
  try {
    const soak = await soakBench(settings);
    results.benchmarks.soak = { ...soak, measuredAt: new Date().toISOString(), machine: machine(), seconds: round((performance.now() - started) / 1000, 1) };
  } catch (error) {
    failed = true;
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`  soak: ERROR ${message}`);
    results.benchmarks.soak = { error: message, measuredAt: new Date().toISOString() };
  }
  await writeFile(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  log(`\nresults: ${resultsPath} (benchmarks.soak; ${round((performance.now() - started) / 1000, 1)} s in all)`);
  process.exit(failed ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
