/**
 * `npm run bench`: chorebot's benchmarks, each printed with the baseline measured in the same
 * run, all written to bench/results.json. Never fails on a missed target; exits 1 only when a
 * benchmark could not run at all. See bench/README.md.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { bundlingBench } from "./bundling.js";
import { latencyBench } from "./latency.js";
import { closeAll, envInt, linkDist, log, machine, ROOT } from "./lib.js";
import { memoryBench } from "./memory.js";
import { scaleBench, throughputBench } from "./throughput.js";

const N = envInt("BENCH_SCRIPTS", 100);
const settings = {
  bundleRuns: envInt("BENCH_BUNDLE_RUNS", 20),
  throughputScripts: N,
  latencyRuns: envInt("BENCH_RUNS", 50),
  githubLatencyMs: envInt("BENCH_GITHUB_LATENCY_MS", 0),
  memoryMiB: envInt("BENCH_MEMORY_MB", 500),
  // Three more merges (1, 2 and 4 workers) of the same size as the throughput merge.
  scaleScripts: envInt("BENCH_SCALE_SCRIPTS", N),
  merges: envInt("BENCH_MERGES", 3),
};
const benches: Record<string, () => Promise<object>> = {
  bundling: () => bundlingBench(settings.bundleRuns),
  throughput: () => throughputBench(settings.throughputScripts, settings.merges),
  latency: () => latencyBench(settings.latencyRuns, settings.githubLatencyMs),
  memory: () => memoryBench(settings.memoryMiB),
  scale: () => scaleBench(settings.scaleScripts, settings.merges),
};
const only = (process.env.BENCH_ONLY ?? "")
  .split(",")
  .map((name) => name.trim())
  .filter(Boolean);
for (const name of only) if (!(name in benches)) throw new Error(`BENCH_ONLY: unknown benchmark ${name} (${Object.keys(benches).join(", ")})`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`\n${signal}: stopping the benchmark's processes`);
    void closeAll().finally(() => process.exit(130));
  });
}

const resultsPath = join(ROOT, "bench", "results.json");
const results: Record<string, unknown> = { startedAt: new Date().toISOString(), machine: machine(), settings, benchmarks: {} };
const save = () => writeFile(resultsPath, `${JSON.stringify(results, null, 2)}\n`);

await linkDist();
log(`chorebot benchmarks on ${machine().cpus} × ${machine().cpuModel}, node ${process.version}`);
log(
  `settings: ${Object.entries(settings)
    .map(([key, value]) => `${key}=${value}`)
    .join(" ")}`,
);
const started = performance.now();
let broken = 0;
for (const [name, bench] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(name)) continue;
  const t0 = performance.now();
  try {
    (results.benchmarks as Record<string, unknown>)[name] = { ...(await bench()), seconds: Math.round((performance.now() - t0) / 100) / 10 };
  } catch (error) {
    broken++;
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`  ${name}: ERROR ${message}`);
    (results.benchmarks as Record<string, unknown>)[name] = { error: message };
  }
  await save();
}
const totalSeconds = Math.round((performance.now() - started) / 100) / 10;
results.totalSeconds = totalSeconds;
await save();
log(`\nresults: ${resultsPath} (${totalSeconds} s in all)`);
process.exit(broken > 0 ? 1 : 0);
