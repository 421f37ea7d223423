import type { Cluster, Redis } from "ioredis";
import { mastersOf } from "./monitor-client.js";
import { numberField, parseInfo } from "./redis-info.js";

/** Memory figures from the `memory` section of Redis's INFO; maxmemory 0 means no limit. */
export function memoryFromInfo(info: string): { usedMemory: number; maxMemory: number } | null {
  const fields = parseInfo(info);
  const usedMemory = numberField(fields, "used_memory");
  const maxMemory = numberField(fields, "maxmemory");
  return usedMemory !== null && maxMemory !== null ? { usedMemory, maxMemory } : null;
}

/**
 * Whether Redis (every master of a cluster) has `bytes` to spare below its maxmemory. Reads
 * INFO only, which Redis answers even when it refuses writes; a Redis whose INFO cannot be
 * read has no room.
 */
export async function hasRoom(redis: Redis | Cluster, bytes: number): Promise<boolean> {
  const infos = await Promise.all(mastersOf(redis).map((node) => node.info("memory")));
  return infos.every((info) => {
    const memory = memoryFromInfo(info);
    return memory !== null && (memory.maxMemory === 0 || memory.usedMemory + bytes <= memory.maxMemory);
  });
}
