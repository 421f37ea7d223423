/**
 * A minimal FIFO async mutex. Every git-mutating operation on the stand-in repository runs
 * inside `mutex.run(...)`, so concurrent HTTP requests can never interleave index/ref updates.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    // The next waiter starts once this one settles, whether it succeeded or failed.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
