import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Redis } from "ioredis";
import { ExecutionLedger } from "../../src/stores/execution-ledger.js";
import { ParkedRuns, type ParkedRun } from "../../src/stores/parked-runs.js";
import type { Harness } from "./harness.js";
import { decide } from "./workflow-scripts.js";

/**
 * An iteration's source for the e2e tests: items 1…`items`, its cursor the item's number. Each
 * item processed appends `<item> <ms since the epoch>` to `<name>.items` in SCRIPT_CWD before
 * anything else, so a test reads which items really ran, how often and when, not what the
 * record says about it. `before` is TypeScript run for each item before that line (a fault, a
 * hold); `itemMs` how long each item takes after it.
 */
export function iterationScript(name: string, o: { items: number; batchSize: number; pause?: string; itemMs?: number; before?: string }): string {
  return `import { appendFileSync, existsSync } from "node:fs";
import { defineScript } from "chorebot";
const mark = (item: number) => appendFileSync(${JSON.stringify(`${name}.items`)}, item + " " + Date.now() + "\\n");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
void existsSync;
export default defineScript({
  description: "e2e ${name}",
  batchSize: ${o.batchSize},
  ${o.pause ? `pause: ${JSON.stringify(o.pause)},` : ""}
  count: () => ${o.items},
  async *collection({ cursor }) {
    for (let item = (cursor ?? 0) + 1; item <= ${o.items}; item++) yield { item, cursor: item };
  },
  async process(item) {
    ${o.before ?? ""}
    mark(item);
    ${o.itemMs ? `await sleep(${o.itemMs});` : ""}
  },
});
`;
}

/** The items processed, in the order they were, each with when. */
export async function processed(h: Harness, name: string): Promise<{ item: number; at: number }[]> {
  const text = await readFile(join(h.scriptCwd, `${name}.items`), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      const [item, at] = line.split(" ");
      return { item: Number(item), at: Number(at) };
    });
}

/** The items processed more than once. */
export function repeated(items: { item: number }[]): number[] {
  const seen = new Map<number, number>();
  for (const { item } of items) seen.set(item, (seen.get(item) ?? 0) + 1);
  return [...seen].filter(([, times]) => times > 1).map(([item]) => item);
}

/** 1…n. */
export const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Polls `check` until it holds, at most `withinMs`: true when it did. */
export async function eventually(check: () => Promise<boolean>, withinMs: number, everyMs = 25): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The run's parked record and its ledger's checkpoint, read from Redis. */
export async function parkedRecord(h: Harness, runId: string): Promise<ParkedRun | null> {
  const redis = new Redis(h.redis.url);
  try {
    return await new ParkedRuns(redis, h.queues.execute.opts.prefix!).read(runId);
  } finally {
    redis.disconnect();
  }
}

/** The ledger's last checkpoint of the run (raw), or null. */
export async function checkpointOf(h: Harness, runId: string): Promise<{ seq: number; done: number; cursor: unknown } | null> {
  const redis = new Redis(h.redis.url);
  try {
    return (await new ExecutionLedger(redis, h.queues.execute.opts.prefix!).read(runId)).iteration?.checkpoint ?? null;
  } finally {
    redis.disconnect();
  }
}

/** `POST /api/runs/<run>/pause` with the dashboard's login. */
export async function pause(h: Harness, runId: string): Promise<{ status: number; body: Record<string, any> }> {
  return decide(h, runId, "pause", null);
}
