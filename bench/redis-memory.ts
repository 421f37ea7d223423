import { Redis } from "ioredis";

/** What one Redis holds at an instant: every key's `MEMORY USAGE` summed (SCAN), and `INFO memory`. */
export interface RedisSnapshot {
  at: number;
  keys: number;
  /** Sum of `MEMORY USAGE <key> SAMPLES 0` over every key (exact for aggregates, includes the key's own overhead). */
  bytes: number;
  /** `INFO memory` used_memory: everything the allocator holds (clients' buffers, replication backlog…), noisier. */
  usedMemory: number;
  /** Keys and bytes per key shape (ids, shas and numbers replaced by placeholders). */
  groups: Record<string, { keys: number; bytes: number }>;
}

const RUN_ID = /^[A-Za-z0-9._-]*-[0-9a-f]{7}-[A-Za-z0-9._-]*-[0-9a-f]{10}(-attempt-\d+)?$/;

/**
 * The shape of a key: the parts that differ from run to run replaced by `<run>`, `<sha>`,
 * `<n>` or `<id>`, so that the keys of thousands of runs fall into a dozen groups.
 */
export function keyShape(key: string): string {
  return key
    .split(":")
    .map((part) => {
      if (RUN_ID.test(part)) return "<run>";
      if (/[0-9a-f]{40}/.test(part)) return part.replace(/[0-9a-f]{40}/g, "<sha>");
      if (/^\d+$/.test(part)) return "<n>";
      if (/^[0-9a-f-]{16,}$/i.test(part) || part.length > 40) return "<id>";
      return part.replace(/#\d+$/, "#<n>");
    })
    .join(":");
}

export async function snapshot(redis: Redis): Promise<RedisSnapshot> {
  const at = Date.now();
  const groups: Record<string, { keys: number; bytes: number }> = {};
  let keys = 0;
  let bytes = 0;
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "COUNT", 1000);
    cursor = next;
    if (batch.length === 0) continue;
    const pipeline = redis.pipeline();
    for (const key of batch) pipeline.call("MEMORY", "USAGE", key, "SAMPLES", "0");
    const answers = (await pipeline.exec()) ?? [];
    batch.forEach((key, i) => {
      const [error, value] = answers[i] ?? [null, null];
      if (error || value === null) return; // removed between SCAN and MEMORY USAGE
      const size = Number(value);
      keys++;
      bytes += size;
      const group = (groups[keyShape(key)] ??= { keys: 0, bytes: 0 });
      group.keys++;
      group.bytes += size;
    });
  } while (cursor !== "0");
  return { at, keys, bytes, usedMemory: await usedMemory(redis), groups };
}

export async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info("memory");
  const match = /^used_memory:(\d+)/m.exec(info);
  if (!match) throw new Error("INFO memory has no used_memory");
  return Number(match[1]);
}

/** The difference of two snapshots, per run: what `runs` runs added (or left). */
export function perRun(from: RedisSnapshot, to: RedisSnapshot, runs: number) {
  const groups: Record<string, { keys: number; bytes: number }> = {};
  for (const shape of new Set([...Object.keys(from.groups), ...Object.keys(to.groups)])) {
    const keys = (to.groups[shape]?.keys ?? 0) - (from.groups[shape]?.keys ?? 0);
    const bytes = (to.groups[shape]?.bytes ?? 0) - (from.groups[shape]?.bytes ?? 0);
    if (keys !== 0 || bytes !== 0) groups[shape] = { keys: keys / runs, bytes: bytes / runs };
  }
  return {
    runs,
    keysPerRun: (to.keys - from.keys) / runs,
    bytesPerRun: (to.bytes - from.bytes) / runs,
    usedMemoryPerRun: (to.usedMemory - from.usedMemory) / runs,
    groups,
  };
}
export type PerRun = ReturnType<typeof perRun>;
