/**
 * How many live streams are open, per user and in all, so that no client can hold thousands
 * of polling connections. `acquire` answers the function that gives the place back, or null
 * when there is none.
 */
export class ConnectionLimit {
  readonly #perUser: number;
  readonly #total: number;
  readonly #open = new Map<string, number>();
  #count = 0;

  constructor(o: { perUser: number; total: number }) {
    this.#perUser = o.perUser;
    this.#total = o.total;
  }

  acquire(user: string): (() => void) | null {
    const mine = this.#open.get(user) ?? 0;
    if (mine >= this.#perUser || this.#count >= this.#total) return null;
    this.#open.set(user, mine + 1);
    this.#count++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#count--;
      const left = (this.#open.get(user) ?? 1) - 1;
      if (left > 0) this.#open.set(user, left);
      else this.#open.delete(user);
    };
  }

  get open(): number {
    return this.#count;
  }
}
