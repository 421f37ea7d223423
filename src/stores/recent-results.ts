/**
 * Remembers what an async lookup resolved to for a short while, and shares a lookup still in
 * flight: the scripts of one merge are processed together and all ask GitHub the same
 * question (which pull request merged this commit, who approved it). Failures are not kept.
 */
export class RecentResults<T> {
  private readonly entries = new Map<string, { value: Promise<T>; expires: number }>();

  constructor(private readonly ttlMs: number) {}

  get(key: string, lookup: () => Promise<T>): Promise<T> {
    const now = performance.now();
    const entry = this.entries.get(key);
    if (entry && entry.expires > now) return entry.value;
    this.prune(now);
    const value = lookup();
    // Until it settles, and ttlMs after: in flight it never expires.
    const stored = { value, expires: Infinity };
    this.entries.set(key, stored);
    value.then(
      () => (stored.expires = performance.now() + this.ttlMs),
      () => this.entries.get(key) === stored && this.entries.delete(key),
    );
    return value;
  }

  private prune(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expires <= now) this.entries.delete(key);
  }
}
