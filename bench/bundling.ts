import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { transform } from "esbuild";
import { importDist, log, median, ROOT, round } from "./lib.js";

type BundleScriptModule = typeof import("../src/runner/bundle-script.js");
type ReadLocalFileModule = typeof import("../src/runner/read-local-file.js");

const WARMUP = 3;

/** Median of `runs` timed calls (ms), after a few untimed ones. */
async function timed(runs: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

/** Entry scripts as the worker sees them: top-level, not helpers (`_…`, `*.test.*`, `*.d.ts`). */
async function exampleScripts(): Promise<string[]> {
  const names = await readdir(join(ROOT, "scripts"));
  return names
    .filter((name) => /\.(ts|mts|js|mjs)$/.test(name) && !name.startsWith("_") && !/\.test\.|\.d\.ts$/.test(name))
    .sort()
    .map((name) => `scripts/${name}`);
}

/** 1. `bundleScript` (the worker's bundler, from dist/) vs a plain `esbuild.transform` of the same source. */
export async function bundlingBench(runs: number) {
  const { bundleScript } = await importDist<BundleScriptModule>("runner/bundle-script.js");
  const { readLocalFile } = await importDist<ReadLocalFileModule>("runner/read-local-file.js");
  log(`\n## 1. Bundling: bundleScript vs esbuild.transform (median of ${runs} warm runs each)`);
  const scripts = [];
  for (const entry of await exampleScripts()) {
    const source = await readFile(join(ROOT, entry), "utf8");
    // A fresh reader per bundle, like the worker (which reads the merge commit each time).
    const first = await bundleScript({ entry, readFile: readLocalFile(ROOT) });
    if (!first.ok) throw new Error(`${entry} does not bundle: ${first.message}`);
    const bundleMs = await timed(runs, () => bundleScript({ entry, readFile: readLocalFile(ROOT) }));
    const transformMs = await timed(runs, () => transform(source, { loader: "ts", format: "esm", platform: "node", target: "node20", sourcefile: entry }));
    const ratio = bundleMs / transformMs;
    scripts.push({
      script: entry,
      usesSdk: first.usesSdk,
      bundleFiles: first.files.length,
      bundleBytes: first.code.length,
      bundleMedianMs: round(bundleMs, 3),
      transformMedianMs: round(transformMs, 3),
      ratio: round(ratio, 2),
    });
    log(
      `  ${entry.padEnd(30)} bundleScript ${bundleMs.toFixed(2).padStart(7)} ms   esbuild.transform ${transformMs.toFixed(2).padStart(6)} ms   ratio ${ratio.toFixed(1)}x` +
        `   (${first.usesSdk ? "SDK, 2 builds" : "plain"}, ${first.files.length} repo file(s), ${(first.code.length / 1024).toFixed(1)} KiB)`,
    );
  }
  return { runs, warmup: WARMUP, scripts };
}
