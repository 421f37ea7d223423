import { setTimeout as sleep } from "node:timers/promises";
import type { ConcurrencyLock } from "./concurrency-lock.js";

/** Waits for this process's turn to commit to a branch; resolves with the function that ends it. */
export type TakeTurn = (branch: string) => Promise<() => Promise<void>>;

// How often a process waiting for its turn asks again; also the pause a process leaves
// between two turns of its own, so that a waiting one gets in.
export const TURN_POLL_MS = 20;

/**
 * Turns to commit to a branch, one process at a time across every worker sharing the Redis,
 * as a lease that dies with its holder. They keep processes from racing for the branch head
 * (each loss costs a rebuilt commit); correctness never rests on them: a commit that finds
 * the branch moved is rebuilt either way.
 */
export function branchTurns(locks: ConcurrencyLock, holder: string): TakeTurn {
  return async (branch) => {
    const key = locks.key(`commit:${branch}`);
    for (;;) {
      const lease = await locks.lease(key, holder);
      if (lease) return () => lease.release();
      await sleep(TURN_POLL_MS);
    }
  };
}
