import type { Cluster, Redis } from "ioredis";

/** Memory figures from the `memory` section of Redis's INFO; maxmemory 0 means no limit. */
export function memoryFromInfo(info: string): { usedMemory: number; maxMemory: number } | null {
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)\\r?$`, "m").exec(info)?.[1] ?? NaN);
  const usedMemory = field("used_memory");
  const maxMemory = field("maxmemory");
  return Number.isFinite(usedMemory) && Number.isFinite(maxMemory) ? { usedMemory, maxMemory } : null;
}

/**
 * Whether Redis (every master of a cluster) has `bytes` to spare below its maxmemory. Reads
 * INFO only, which Redis answers even when it refuses writes; a Redis whose INFO cannot be
 * read has no room.
 */
export async function hasRoom(redis: Redis | Cluster, bytes: number): Promise<boolean> {
  const nodes = "nodes" in redis && typeof redis.nodes === "function" && redis.isCluster ? redis.nodes("master") : [redis as Redis];
  const infos = await Promise.all(nodes.map((node) => node.info("memory")));
  return infos.every((info) => {
    const memory = memoryFromInfo(info);
    return memory !== null && (memory.maxMemory === 0 || memory.usedMemory + bytes <= memory.maxMemory);
  });
}
