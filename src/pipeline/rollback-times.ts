import { DEFAULT_KILL_GRACE_MS } from "../runner/kill-grace.js";

/**
 * The kill grace of each script running in this process (killGraceMs), so that a worker's
 * shutdown waits for a stopped workflow's rollbacks instead of exiting under them.
 */
export class RollbackTimes {
  readonly #graces = new Set<{ ms: number }>();

  /** Counts a running script's kill grace until the returned function is called. */
  track(killGraceMs: number): () => void {
    const entry = { ms: killGraceMs };
    this.#graces.add(entry);
    return () => this.#graces.delete(entry);
  }

  /** How much longer than a plain script's the slowest running script may take to stop (0 when none is a workflow). */
  extraMs(): number {
    let longest = DEFAULT_KILL_GRACE_MS;
    for (const { ms } of this.#graces) longest = Math.max(longest, ms);
    return longest - DEFAULT_KILL_GRACE_MS;
  }
}
