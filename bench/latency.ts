import { Job } from "bullmq";
import { runIdFor } from "../src/pipeline/run-id.js";
import type { Harness } from "../test/e2e/harness.js";
import { requestsBetween, sequentialDepth } from "./github-requests.js";
import { deliverPushTimed, log, now, quantile, round, spawnFirstLine, TIMESTAMP_SCRIPT, timestampIn, verdict, withHarness } from "./lib.js";

const TARGET_EXTRA_MS = 150;
const TARGET_SEQUENTIAL = 4;
const PROBE_LATENCY_MS = 25;
const PROBE_RUNS = 5;
const WARMUP = 2;
const STAGES = [
  "webhook → discover queued",
  "discover job",
  "discover done → process start",
  "process job (verify, read, bundle)",
  "process done → execute start",
  "execute start → first line",
] as const;

/** Where the time of one run went (ms), from BullMQ's job timestamps (set by the app, ms resolution). */
async function stages(h: Harness, discoverId: string, runId: string, sent: number, printed: number): Promise<number[]> {
  const [discover, process, execute] = await Promise.all([
    Job.fromId(h.queues.discover, discoverId),
    Job.fromId(h.queues.process, runId),
    Job.fromId(h.queues.execute, runId),
  ]);
  if (!discover?.processedOn || !discover.finishedOn || !process?.processedOn || !process.finishedOn || !execute?.processedOn) return [];
  return [
    discover.timestamp - sent,
    discover.finishedOn - discover.processedOn,
    process.processedOn - discover.finishedOn,
    process.finishedOn - process.processedOn,
    execute.processedOn - process.finishedOn,
    printed - execute.processedOn,
  ];
}

/** One merge of one script, from the push webhook to its committed log; the GitHub requests made before its first line. */
async function oneRun(h: Harness, path: string) {
  const merged = await h.gh.mergePullRequest({ files: { [path]: TIMESTAMP_SCRIPT }, author: "alice", approvals: ["bob"] });
  const runId = runIdFor({ owner: h.gh.owner, repo: h.gh.repo, commit: merged.after, path });
  const sent = await deliverPushTimed(h, merged);
  const result = await h.waitForRun(runId);
  const committed = now();
  if (result.status !== "succeeded") throw new Error(`${path} ${result.status}`);
  const text = await h.gh.readFile("main", result.logPath);
  const printed = text === undefined ? null : timestampIn(text);
  if (printed === null) throw new Error(`no timestamp in ${result.logPath}`);
  return { runId, discoverId: `${h.gh.owner}.${h.gh.repo}-${merged.after}`, sent, committed, printed, onPath: requestsBetween(h.gh.requests, sent, printed) };
}

/**
 * 3. Webhook received → the script's first line, one merge (one script) at a time, through a
 * `chorebot start` process (web and workers in one). The script's first line is a wall-clock
 * timestamp, read back from its committed run log.
 */
export async function latencyBench(runs: number, githubLatencyMs: number) {
  log(`\n## 3. Latency: push webhook sent → script's first line, ${runs} runs (+${WARMUP} warm-up), one \`chorebot start\` process`);
  log(`  every GitHub stand-in answer waits ${githubLatencyMs} ms (BENCH_GITHUB_LATENCY_MS)`);
  const samples = await withHarness({ workers: 0 }, async (h) => {
    const requests: number[] = [];
    const sequential: number[] = [];
    const firstLine: number[] = [];
    const logCommitted: number[] = [];
    const breakdown: number[][] = [];
    h.gh.setLatency(githubLatencyMs);
    for (let i = 0; i < runs + WARMUP; i++) {
      const run = await oneRun(h, `scripts/latency-${String(i).padStart(3, "0")}.ts`);
      if (i < WARMUP) continue;
      requests.push(run.onPath.length);
      sequential.push(sequentialDepth(run.onPath));
      firstLine.push(run.printed - run.sent);
      logCommitted.push(run.committed - run.sent);
      breakdown.push(await stages(h, run.discoverId, run.runId, run.sent, run.printed));
    }
    // Requests that answer in microseconds rarely overlap even when sent together, so which
    // ran one after another is counted on a few more runs with every answer slowed down.
    if (githubLatencyMs < PROBE_LATENCY_MS) {
      sequential.length = 0;
      h.gh.setLatency(PROBE_LATENCY_MS);
      for (let i = 0; i < PROBE_RUNS; i++) sequential.push(sequentialDepth((await oneRun(h, `scripts/probe-${String(i).padStart(3, "0")}.ts`)).onPath));
    }
    return { firstLine, logCommitted, breakdown, requests, sequential };
  });
  const spawn: number[] = [];
  for (let i = 0; i < WARMUP; i++) await spawnFirstLine();
  for (let i = 0; i < runs; i++) spawn.push(await spawnFirstLine());

  const stats = (values: number[]) => ({
    p50: round(quantile(values, 0.5), 1),
    p95: round(quantile(values, 0.95), 1),
    min: round(Math.min(...values), 1),
    max: round(Math.max(...values), 1),
  });
  const app = stats(samples.firstLine);
  const bare = stats(spawn);
  const committed = stats(samples.logCommitted);
  const extraP50 = round(app.p50 - bare.p50, 1);
  const requestsP50 = quantile(samples.requests, 0.5);
  const sequentialP50 = quantile(samples.sequential, 0.5);
  const sequentialMax = Math.max(...samples.sequential);
  const pass = extraP50 <= TARGET_EXTRA_MS && sequentialMax <= TARGET_SEQUENTIAL;
  log(`  webhook → first line:   p50 ${app.p50} ms   p95 ${app.p95} ms   (min ${app.min}, max ${app.max})`);
  log(`  bare node spawn → first line:   p50 ${bare.p50} ms   p95 ${bare.p95} ms`);
  log(
    `  p50 ${extraP50} ms above the spawn (ratio ${(app.p50 / bare.p50).toFixed(1)}x), p95 ${round(app.p95 - bare.p95, 1)} ms above   target p50 ≤ spawn + ${TARGET_EXTRA_MS} ms: ${verdict(extraP50 <= TARGET_EXTRA_MS)}`,
  );
  log(
    `  GitHub requests webhook → first line: ${requestsP50} per script (median), ${sequentialP50} one after another (median, max ${sequentialMax}${githubLatencyMs < PROBE_LATENCY_MS ? `, counted on ${PROBE_RUNS} more runs with ${PROBE_LATENCY_MS} ms answers` : ""})   target ≤ ${TARGET_SEQUENTIAL} one after another: ${verdict(sequentialMax <= TARGET_SEQUENTIAL)}`,
  );
  log(`  (for reference, webhook → run log committed: p50 ${committed.p50} ms, p95 ${committed.p95} ms)`);
  const complete = samples.breakdown.filter((row) => row.length === STAGES.length);
  const breakdown = Object.fromEntries(
    STAGES.map((stage, i) => [
      stage,
      round(
        quantile(
          complete.map((row) => row[i]!),
          0.5,
        ),
        1,
      ),
    ]),
  );
  log(`  where the p50 goes (medians from BullMQ job timestamps, ms resolution, ${complete.length} runs):`);
  for (const [stage, ms] of Object.entries(breakdown)) log(`    ${stage.padEnd(38)} ${String(ms).padStart(7)} ms`);
  return {
    runs,
    warmup: WARMUP,
    firstLineMs: app,
    spawnFirstLineMs: bare,
    extraP50Ms: extraP50,
    extraP95Ms: round(app.p95 - bare.p95, 1),
    ratioP50: round(app.p50 / bare.p50, 2),
    logCommittedMs: committed,
    githubLatencyMs,
    githubRequestsP50: requestsP50,
    githubSequentialP50: sequentialP50,
    githubSequentialMax: sequentialMax,
    breakdownP50Ms: breakdown,
    target: `p50 <= spawn p50 + ${TARGET_EXTRA_MS} ms (at 0 ms GitHub latency); <= ${TARGET_SEQUENTIAL} GitHub requests one after another`,
    pass,
  };
}
