import { runIdFor } from "../src/pipeline/run-id.js";
import type { Harness } from "../test/e2e/harness.js";
import { log, memoryOf, resetPeak, round, sleep, verdict, withHarness } from "./lib.js";

const TARGET_GROWTH_MB = 50;

/** Prints `mb` MiB to stdout in 1 MiB writes of 1 KiB lines (pipes are synchronous on Linux). */
function printingScript(mb: number): string {
  return `const block = ("x".repeat(1023) + "\\n").repeat(1024);
for (let i = 0; i < ${mb}; i++) process.stdout.write(block);
console.error("printed ${mb} MiB");
`;
}

async function runOne(h: Harness, path: string, source: string) {
  const merged = await h.gh.mergePullRequest({ files: { [path]: source }, author: "alice", approvals: ["bob"] });
  const runId = runIdFor({ owner: h.gh.owner, repo: h.gh.repo, commit: merged.after, path });
  const delivery = await h.deliverPush(merged.before, merged.after);
  if (delivery.status >= 300) throw new Error(`webhook answered ${delivery.status}: ${delivery.body}`);
  return h.waitForRun(runId);
}

/** 4. Peak RSS (VmHWM) of a `chorebot worker` process while its script prints `mb` MiB, vs its idle RSS. */
export async function memoryBench(mb: number) {
  log(`\n## 4. Memory: a \`chorebot worker\` process's peak RSS while its script prints ${mb} MiB, vs its idle RSS`);
  return withHarness({ workers: 1 }, async (h, [pid]) => {
    // Warm up: one small run loads every code path (bundler, runner, GitHub client).
    await runOne(h, "scripts/memory-warmup.ts", printingScript(1));
    await sleep(1000);
    // Control: the same measurement around a run printing 1 MiB, to tell a run's own cost from its output's.
    await resetPeak(pid!);
    const controlIdle = await memoryOf(pid!);
    await runOne(h, "scripts/memory-control.ts", printingScript(1));
    const controlGrowth = (await memoryOf(pid!)).hwm - controlIdle.rss;
    await sleep(1000);
    const reset = await resetPeak(pid!);
    const idle = await memoryOf(pid!);
    let sampledPeak = idle.rss;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        sampledPeak = Math.max(sampledPeak, (await memoryOf(pid!)).rss);
        await sleep(50);
      }
    })();
    const start = performance.now();
    const result = await runOne(h, "scripts/memory-print.ts", printingScript(mb));
    const seconds = (performance.now() - start) / 1000;
    sampling = false;
    await sampler;
    const after = await memoryOf(pid!);
    const peak = Math.max(after.hwm, sampledPeak);
    const growth = peak - idle.rss;
    const pass = growth <= TARGET_GROWTH_MB && result.status === "succeeded";
    log(`  control: a run printing 1 MiB grows the peak by ${controlGrowth.toFixed(1)} MiB${reset ? "" : " (VmHWM not resettable: meaningless)"}`);
    log(`  idle RSS ${idle.rss.toFixed(1)} MiB (after a warm-up run${reset ? "; VmHWM reset then" : "; VmHWM could not be reset, it includes start-up"})`);
    log(
      `  peak RSS (VmHWM) ${peak.toFixed(1)} MiB while printing ${mb} MiB (run ${result.status}, ${seconds.toFixed(1)} s webhook → log committed)` +
        `   growth ${growth.toFixed(1)} MiB, ratio ${(peak / idle.rss).toFixed(2)}x   target growth ≤ ${TARGET_GROWTH_MB} MB: ${verdict(pass)}`,
    );
    return {
      printedMiB: mb,
      runStatus: result.status,
      runSeconds: round(seconds, 1),
      idleRssMiB: round(idle.rss, 1),
      peakRssMiB: round(peak, 1),
      hwmReset: reset,
      controlGrowthMiB: round(controlGrowth, 1),
      growthMiB: round(growth, 1),
      ratio: round(peak / idle.rss, 2),
      target: `growth <= ${TARGET_GROWTH_MB} MB`,
      pass,
    };
  });
}
