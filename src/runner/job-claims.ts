import { withClaim, type Claim } from "./claim.js";

/**
 * The claims of the jobs a BullMQ worker is executing, kept from its own lock renewals:
 * feed it the worker's `locksRenewed` and `lockRenewalFailed` events, set the worker's
 * `lockRenewTime` to `renewEveryMs`, and run each job's processor in `hold`.
 *
 * A renewal's answer says the lock was extended by `lockMs` at some moment between its
 * request and its answer; only the request time bounds it from below, and the worker does
 * not tell it. But BullMQ's lock manager sends a job's next renewal only once the previous
 * one was answered (and the first after the job became active), so renewal n surely holds
 * the lock until the answer to renewal n-1 plus `lockMs`, however slow n was. The deadline
 * is that minus a margin of lockMs/8, left for the watcher to wake and kill: a script dies
 * at least lockMs/8 before its lock can expire, so before BullMQ can find the job stalled
 * and a person can retry it, and within 7/8 lockMs of the last renewal.
 * With a renewal every lockMs/16 at most, the deadline stays about 3/4 lockMs ahead: the
 * worker may stall (a GC pause, a slow Redis) that long before its script is stopped, where
 * BullMQ itself gives up on it after a whole lockMs.
 */
export class JobClaims {
  /** For the worker's `lockRenewTime`: BullMQ then renews each lock every lockMs/32 to lockMs/16. */
  readonly renewEveryMs: number;
  private readonly held = new Map<string, HeldClaim>();

  constructor(private readonly lockMs: number) {
    this.renewEveryMs = lockMs / 16;
  }

  /** Runs `fn` (the job's processor) holding the job's claim, from when the job became active. */
  hold<T>(job: { id?: string | undefined; processedOn?: number | undefined }, fn: () => Promise<T>): Promise<T> {
    const id = job.id;
    if (id === undefined) return fn();
    const now = performance.now();
    // processedOn is this worker's clock when it took the job, before Redis granted the lock.
    const activatedAt = job.processedOn === undefined ? now : now - Math.max(0, Date.now() - job.processedOn);
    const claim = new HeldClaim(activatedAt, this.lockMs);
    this.held.set(id, claim);
    return withClaim(claim, fn).finally(() => {
      if (this.held.get(id) === claim) this.held.delete(id);
    });
  }

  renewed(jobIds: readonly string[]): void {
    const now = performance.now();
    for (const id of jobIds) this.held.get(id)?.renewed(now);
  }

  /** The locks could not be renewed: another worker may own these jobs already. */
  lost(jobIds: readonly string[]): void {
    for (const id of jobIds) this.held.get(id)?.lost();
  }
}

class HeldClaim implements Claim {
  private readonly listeners = new Set<() => void>();
  private until: number;

  constructor(
    private answeredAt: number,
    private readonly lockMs: number,
  ) {
    this.until = this.deadlineAfterRenewal();
  }

  deadline(): number {
    return this.until;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  renewed(now: number): void {
    if (this.until === -Infinity) return;
    this.until = this.deadlineAfterRenewal();
    this.answeredAt = now;
    this.notify();
  }

  lost(): void {
    this.until = -Infinity;
    this.notify();
  }

  // The lock surely lasts until the previous answer plus lockMs; the margin is the watcher's.
  private deadlineAfterRenewal(): number {
    return this.answeredAt + this.lockMs - this.lockMs / 8;
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
