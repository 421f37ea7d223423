import { AsyncLocalStorage } from "node:async_hooks";

/**
 * A worker's claim on the run it executes (for the pipeline, its BullMQ job lock; see
 * job-claims.ts). Another worker may take the run over once the claim is gone, so the script
 * must be dead by `deadline()`: the runner keeps the script's watcher told of it (lifeline.ts),
 * and the watcher kills the script when it passes, even if this whole process is frozen.
 */
export interface Claim {
  /** The performance.now() by which the script must be dead; -Infinity once the claim is lost. */
  deadline(): number;
  /** Calls `listener` whenever the deadline moves; returns what unsubscribes it. */
  onChange(listener: () => void): () => void;
}

const current = new AsyncLocalStorage<Claim>();

/** Runs `fn` with `claim` as the claim of every script it runs (runScript reads it). */
export function withClaim<T>(claim: Claim, fn: () => T): T {
  return current.run(claim, fn);
}

/** The claim of the run being executed here, if it is held by a worker. */
export function currentClaim(): Claim | undefined {
  return current.getStore();
}
