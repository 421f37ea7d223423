import { Job } from "bullmq";
import type { CleanupResult } from "../src/pipeline/job-data.js";
import { runIdFor } from "../src/pipeline/run-id.js";
import type { Harness } from "../test/e2e/harness.js";
import { deliverPushTimed, log, median, round, sleep, spawnRate, verdict, withHarness } from "./lib.js";

const WORKER_CONCURRENCY = 2;
const TARGET_RATIO = 0.7;
// Generous: a run that is not done by then is reported as incomplete, not waited for.
const DEADLINE_MS = 10 * 60_000;

function noopScript(i: number): string {
  return `// benchmark no-op script ${i}\nexport {};\n`;
}

/**
 * Merges one PR adding `n` no-op scripts (order: parallel) and delivers its push webhook;
 * resolves once every cleanup finished: scripts per second from the delivery to the last
 * cleanup's finish (BullMQ's finishedOn, set by the worker).
 */
async function oneMerge(h: Harness, n: number, name = "noop") {
  const files = Object.fromEntries(Array.from({ length: n }, (_, i) => [`scripts/${name}-${String(i).padStart(3, "0")}.ts`, noopScript(i)]));
  const merged = await h.gh.mergePullRequest({ files, author: "alice", approvals: ["bob"] });
  const runIds = Object.keys(files).map((path) => runIdFor({ owner: h.gh.owner, repo: h.gh.repo, commit: merged.after, path }));

  const before = await finishedCleanups(h);
  const delivered = await deliverPushTimed(h, merged);
  const deadline = delivered + DEADLINE_MS;
  for (;;) {
    if ((await finishedCleanups(h)) >= before + n || Date.now() > deadline) break;
    await sleep(100);
  }
  const jobs = await Promise.all(runIds.map((id) => Job.fromId<unknown, CleanupResult>(h.queues.cleanup, id)));
  const finished = jobs.filter((job) => job?.finishedOn !== undefined);
  const statuses: Record<string, number> = {};
  for (const job of finished) {
    const status = job!.returnvalue?.status ?? "cleanup failed";
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
  const last = Math.max(...finished.map((job) => job!.finishedOn!));
  const elapsedMs = last - delivered;
  return { scripts: n, completed: finished.length, statuses, elapsedMs, perSecond: finished.length / (elapsedMs / 1000) };
}

async function finishedCleanups(h: Harness): Promise<number> {
  const counts = await h.queues.cleanup.getJobCounts("completed", "failed");
  return (counts.completed ?? 0) + (counts.failed ?? 0);
}

/** Scripts in the uncounted warm-up merge: a few for each script a worker process runs at once. */
export const warmUpScripts = (totalConcurrency: number) => 4 * totalConcurrency;

/**
 * Throughput of the real app with `workers` worker processes (plus a web process), and the raw
 * spawn baseline: the median of `merges` merges, and of as many baseline rounds, since one
 * merge of a few seconds on a shared 2-core machine moves by ±10% from run to run.
 */
export async function measureThroughput(workers: number, n: number, merges: number) {
  const totalConcurrency = workers * WORKER_CONCURRENCY;
  const samples = await withHarness({ workers, workerConcurrency: WORKER_CONCURRENCY }, async (h) => {
    await h.gh.commitFiles({ files: { ".github/chorebot.yml": "order: parallel\n" }, message: "chorebot: run merged scripts in parallel" });
    // Steady state, not start-up: a first merge warms every worker process (module loading,
    // esbuild's service, the JIT) and is not counted.
    await oneMerge(h, warmUpScripts(totalConcurrency), "warm-up");
    const measured = [];
    for (let i = 0; i < merges; i++) measured.push(await oneMerge(h, n, `noop${i}`));
    return measured;
  });
  const app = samples.toSorted((a, b) => a.perSecond - b.perSecond)[Math.floor(samples.length / 2)]!;
  // The baseline runs on an idle machine, after the app is gone.
  const spawns: number[] = [];
  for (let i = 0; i < merges; i++) spawns.push((await spawnRate(["-e", "0"], Math.max(n, 4 * totalConcurrency), totalConcurrency)).perSecond);
  const spawnPerSecond = median(spawns);
  return {
    workers,
    workerConcurrency: WORKER_CONCURRENCY,
    totalConcurrency,
    ...app,
    elapsedMs: Math.round(app.elapsedMs),
    perSecond: round(app.perSecond, 2),
    merges: samples.map((s) => round(s.perSecond, 2)),
    spawnPerSecond: round(spawnPerSecond, 2),
    spawnRounds: spawns.map((s) => round(s, 2)),
    ratio: round(app.perSecond / spawnPerSecond, 3),
  };
}

function describe(r: Awaited<ReturnType<typeof measureThroughput>>): string {
  const incomplete = r.completed < r.scripts ? `  INCOMPLETE: ${r.completed}/${r.scripts} finished` : "";
  const statuses = Object.entries(r.statuses)
    .map(([status, count]) => `${count} ${status}`)
    .join(", ");
  const spread = r.merges.length > 1 ? `, median of ${r.merges.join(", ")}` : "";
  return (
    `${r.perSecond.toFixed(2)} scripts/s (${r.completed} in ${(r.elapsedMs / 1000).toFixed(1)} s: ${statuses}${spread})` +
    `   vs node -e 0 at concurrency ${r.totalConcurrency}: ${r.spawnPerSecond.toFixed(1)}/s   ratio ${r.ratio.toFixed(3)}${incomplete}`
  );
}

/** 2. Merges of `n` no-op scripts through web + 2 workers × concurrency 2. */
export async function throughputBench(n: number, merges: number) {
  log(
    `\n## 2. Throughput: a merge adding N=${n} no-op scripts (median of ${merges}), web + 2 worker processes × WORKER_CONCURRENCY ${WORKER_CONCURRENCY}, order: parallel`,
  );
  const r = await measureThroughput(2, n, merges);
  const pass = r.completed === n && r.ratio >= TARGET_RATIO;
  log(`  ${describe(r)}   target ≥ ${TARGET_RATIO}: ${verdict(pass)}`);
  return { ...r, target: `ratio >= ${TARGET_RATIO}`, pass };
}

/** 5. The same with 1, 2 and 4 worker processes. */
export async function scaleBench(n: number, merges: number) {
  log(`\n## 5. Scale: a merge of N=${n} no-op scripts (median of ${merges}) with 1, 2 and 4 worker processes × WORKER_CONCURRENCY ${WORKER_CONCURRENCY}`);
  const points: Awaited<ReturnType<typeof measureThroughput>>[] = [];
  for (const workers of [1, 2, 4]) {
    const r = await measureThroughput(workers, n, merges);
    points.push(r);
    log(`  ${workers} worker(s): ${describe(r)}`);
  }
  const rate = (workers: number) => points.find((p) => p.workers === workers)!.perSecond;
  // "Flattens, not falls": each step keeps at least 90% of the previous step's rate.
  const falls = [
    [1, 2],
    [2, 4],
  ].filter(([from, to]) => rate(to!) < 0.9 * rate(from!));
  const pass = falls.length === 0 && points.every((p) => p.completed === p.scripts);
  const speedups = points.map((p) => `${p.workers}w ${(p.perSecond / rate(1)).toFixed(2)}x`).join(", ");
  log(`  speed-up vs 1 worker: ${speedups}   flattens rather than falls (each step ≥ 0.9× the previous): ${verdict(pass)}`);
  return {
    scripts: n,
    points,
    speedupVsOneWorker: points.map((p) => ({ workers: p.workers, speedup: round(p.perSecond / rate(1), 3) })),
    target: "each step >= 0.9x the previous",
    pass,
  };
}
