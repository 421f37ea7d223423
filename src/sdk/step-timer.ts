/**
 * How long a step is waited for once the run is stopped, at most: the runner's kill grace
 * for a workflow is its rollbacks' timeouts plus 5 s, so the walk back must start by then.
 */
export const STOP_SETTLE_MS = 5000;

/** How a bounded piece of a step's work ended: returned, threw, or still going at the deadline. */
export type Bounded<T> = { kind: "returned"; value: T } | { kind: "threw"; error: unknown } | { kind: "unsettled" };

/**
 * One run or rollback of a step, observers included, against its time limit. Its `signal`
 * aborts at the deadline, or when `runSignal` (the run being stopped) aborts; either way the
 * work is waited for until it settles or the deadline passes (once stopped, STOP_SETTLE_MS at
 * most), never longer: work that ignores its signal is abandoned.
 */
export class StepTimer {
  readonly #controller = new AbortController();
  readonly #deadline: Promise<void>;
  readonly #runSignal: AbortSignal | null;
  #timer: NodeJS.Timeout | undefined;
  #settleTimer: NodeJS.Timeout | undefined;
  #reachDeadline: () => void = () => {};
  #expired = false;
  #stoppedBy: string | null = null;

  constructor(
    readonly timeoutMs: number,
    runSignal: AbortSignal | null,
  ) {
    this.#runSignal = runSignal;
    // Not unref'd: a step awaiting something that never settles must still come back here.
    this.#deadline = new Promise((resolve) => {
      this.#reachDeadline = resolve;
      this.#timer = setTimeout(() => {
        this.#expired = true;
        if (!this.#controller.signal.aborted) this.#controller.abort(new Error(`the step's time limit of ${timeoutMs} ms passed`));
        resolve();
      }, timeoutMs);
    });
    if (runSignal?.aborted) this.#stop();
    else runSignal?.addEventListener("abort", this.#stop);
  }

  /** What the step's context gets. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Whether the deadline passed. */
  get expired(): boolean {
    return this.#expired;
  }

  /** Why the run was stopped, when it was during this step; else null. */
  get stoppedBy(): string | null {
    return this.#stoppedBy;
  }

  /** Calls `work` and waits for it until it settles or the deadline passes (at once, when it has). */
  async race<T>(work: () => T | Promise<T>): Promise<Bounded<T>> {
    let promise: Promise<Bounded<T>>;
    try {
      promise = Promise.resolve(work()).then(
        (value): Bounded<T> => ({ kind: "returned", value }),
        (error: unknown): Bounded<T> => ({ kind: "threw", error }),
      );
    } catch (error) {
      return { kind: "threw", error };
    }
    return Promise.race([promise, this.#deadline.then((): Bounded<T> => ({ kind: "unsettled" }))]);
  }

  dispose(): void {
    clearTimeout(this.#timer);
    clearTimeout(this.#settleTimer);
    this.#runSignal?.removeEventListener("abort", this.#stop);
  }

  readonly #stop = (): void => {
    const reason: unknown = this.#runSignal?.reason;
    this.#stoppedBy = reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "the run was stopped";
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
    this.#settleTimer = setTimeout(this.#reachDeadline, STOP_SETTLE_MS);
  };
}
