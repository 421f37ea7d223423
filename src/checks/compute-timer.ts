/**
 * A time limit on computing: it runs only while the check thread works, not while it waits
 * for files the main thread reads from GitHub (a slow GitHub is no fault of the pull request).
 * Calls `onExpired` once the limit is spent.
 */
export class ComputeTimer {
  #spentMs = 0;
  #since: number | null = null;
  #timer: NodeJS.Timeout | undefined;
  #waits = 0;
  #stopped = false;

  constructor(
    private readonly limitMs: number,
    private readonly onExpired: () => void,
  ) {
    this.#resume();
  }

  /** The check thread waits for one more answer. */
  wait(): void {
    if (this.#waits++ === 0) this.#pause();
  }

  /** One answer is given. */
  answered(): void {
    if (--this.#waits === 0) this.#resume();
  }

  /** Stops counting; returns the time spent computing. */
  stop(): number {
    this.#pause();
    this.#stopped = true;
    return this.#spentMs;
  }

  #pause(): void {
    if (this.#since === null) return;
    clearTimeout(this.#timer);
    this.#spentMs += performance.now() - this.#since;
    this.#since = null;
  }

  #resume(): void {
    if (this.#stopped) return;
    this.#since = performance.now();
    this.#timer = setTimeout(this.onExpired, Math.max(0, this.limitMs - this.#spentMs));
  }
}
