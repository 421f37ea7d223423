/** What bundling and type-checking one pull request may use in the check thread. */
export interface WorkLimits {
  /** Computing time across all of the check's tasks; waits for GitHub do not count. */
  timeMs: number;
  /** Heap of the check thread (V8's old generation). */
  memoryMb: number;
}

// A type check of a script using Octokit's and BullMQ's types takes about 7 s and 400 MB
// here; a pathological one took 39 s and 2.7 GB before limits existed.
export const DEFAULT_WORK_LIMITS: WorkLimits = { timeMs: 60_000, memoryMb: 1024 };

export type LimitHit = "time" | "memory";

/** "over 60 s", "over 1024 MB": which limit stopped the work, for titles and summaries. */
export function overLimit(hit: LimitHit, limits: WorkLimits): string {
  return hit === "time" ? `over ${Math.round(limits.timeMs / 100) / 10} s` : `over ${limits.memoryMb} MB`;
}
