import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { readFile, symlink, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startHarness, WEBHOOK_SECRET, type Harness } from "../test/e2e/harness.js";
import { sendWebhook } from "../test/github-stand-in/index.js";

/** The repository root: the nearest folder above this file whose package.json is chorebot's (outside node_modules too). */
export const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (!dir.split("/").includes("node_modules") && existsSync(manifest)) {
      if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "chorebot") return dir;
    }
    if (dirname(dir) === dir) throw new Error(`no chorebot package.json above ${from}`);
  }
}

/**
 * The e2e harness spawns `../../dist/bin/cli.js` relative to its own (compiled) file: point that
 * at the real build, so the benchmarks run exactly what `npm start` runs.
 */
export async function linkDist(): Promise<void> {
  const compiledRoot = fileURLToPath(new URL("..", import.meta.url));
  if (compiledRoot.replace(/\/$/, "") === ROOT) return; // run from source layout: nothing to link
  const link = join(compiledRoot, "dist");
  if (!existsSync(link)) await symlink(join(ROOT, "dist"), link, "dir");
  if (!existsSync(join(ROOT, "dist", "bin", "cli.js"))) throw new Error("dist/bin/cli.js is missing: run `npm run build` first");
}

/** Imports a module of the built app (dist/), typed as its source. */
export async function importDist<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(join(ROOT, "dist", path)).href)) as T;
}

export const now = (): number => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
export const median = (values: number[]) => quantile(values, 0.5);
export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}
export const verdict = (pass: boolean) => (pass ? "PASS" : "MISS");

export function machine() {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", memoryGiB: round(totalmem() / 2 ** 30, 1), node: process.version };
}

/** Runs `node <args>` `total` times, at most `concurrency` at once; resolves with the runs per second. */
export async function spawnRate(args: string[], total: number, concurrency: number): Promise<{ perSecond: number; totalMs: number }> {
  let next = 0;
  const start = performance.now();
  const lane = async () => {
    while (next < total) {
      next++;
      await new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, args, { stdio: "ignore" });
        child.once("error", reject);
        child.once("exit", () => resolve());
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
  const totalMs = performance.now() - start;
  return { perSecond: total / (totalMs / 1000), totalMs };
}

/** The time (ms) from spawn() to the child's first line, a wall-clock timestamp it prints. */
export function spawnFirstLine(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const child = spawn(process.execPath, ["-e", 'console.log("T=" + (performance.timeOrigin + performance.now()).toFixed(3))'], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("error", reject);
    child.once("close", () => {
      const match = /T=(\d+\.\d+)/.exec(out);
      if (match) resolve(Number(match[1]) - t0);
      else reject(new Error(`no timestamp from node: ${out}`));
    });
  });
}

/** A script's first output line, read back from its committed run log: a wall-clock timestamp. */
export const TIMESTAMP_SCRIPT = 'console.log("T=" + (performance.timeOrigin + performance.now()).toFixed(3));\n';
export function timestampIn(text: string): number | null {
  const match = /T=(\d+\.\d+)/.exec(text);
  return match ? Number(match[1]) : null;
}

/** VmRSS and VmHWM (MiB) of a process. */
export async function memoryOf(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(status);
    if (!match) throw new Error(`${name} missing from /proc/${pid}/status`);
    return Number(match[1]) / 1024;
  };
  return { rss: field("VmRSS"), hwm: field("VmHWM") };
}

/** Resets a process's VmHWM to its current RSS (Linux ≥ 4.0); false when not allowed. */
export async function resetPeak(pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/**
 * Delivers the push of a merge, the clock started only once its payload is built: the
 * stand-in reads git synchronously to build it (tens of ms), which is not chorebot's time.
 */
export async function deliverPushTimed(h: Harness, merged: { before: string; after: string }): Promise<number> {
  const payload = h.gh.pushPayload({ before: merged.before, after: merged.after });
  const sent = now();
  const delivery = await sendWebhook({ url: h.webhookUrl, secret: WEBHOOK_SECRET, event: "push", payload });
  if (delivery.status >= 300) throw new Error(`webhook answered ${delivery.status}: ${delivery.body}`);
  return sent;
}

// Harnesses still open, closed on Ctrl-C so nothing (redis-server, chorebot) outlives the run.
const open = new Set<Harness>();
export async function withHarness<T>(
  options: { workers: number; workerConcurrency?: number; env?: Record<string, string> },
  body: (h: Harness, workerPids: number[]) => Promise<T>,
): Promise<T> {
  const env = { WORKER_CONCURRENCY: String(options.workerConcurrency ?? 1), ...options.env };
  // workers 0: one `chorebot start` serving webhooks and running the workers; otherwise a
  // `start --no-workers` web process and that many `chorebot worker` processes.
  const h = await startHarness({ appArgs: options.workers === 0 ? ["start"] : ["start", "--no-workers"], env });
  open.add(h);
  try {
    const pids: number[] = [];
    for (let i = 0; i < options.workers; i++) pids.push((await h.spawnApp(["worker"])).process.child.pid!);
    if (options.workers === 0) pids.push(h.app.child.pid!);
    return await body(h, pids);
  } finally {
    open.delete(h);
    await h.close();
  }
}
export async function closeAll(): Promise<void> {
  await Promise.allSettled([...open].map((h) => h.close()));
  open.clear();
}
