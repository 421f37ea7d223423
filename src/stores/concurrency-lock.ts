import type { Cluster, Redis } from "ioredis";
import type { ScriptTarget } from "../run-types.js";
import type { Concurrency } from "../sdk/protocol.js";

// Compare-and-act on the holder, atomically: a lease that expired and was taken by someone
// else is never extended or deleted by its former holder.
const RENEW = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;

/**
 * The lock a script's declared concurrency asks for, without the queue prefix: `self` (the
 * default, plain scripts too) is one per repository and script path, `global` is one for
 * every `global` script, `none` takes no lock.
 */
export function concurrencyLockName(mode: Concurrency, target: Pick<ScriptTarget, "owner" | "repo" | "path">): string | null {
  if (mode === "none") return null;
  if (mode === "global") return "global";
  return `self:${target.owner}/${target.repo}:${target.path}`;
}

/** Who holds a lock: one attempt of one run. */
export function lockHolder(runId: string, attempt: number): string {
  return `${runId}#${attempt}`;
}

/** The run id in a holder written by lockHolder (run ids contain no `#`). */
export function holderRunId(holder: string): string {
  const at = holder.lastIndexOf("#");
  return at < 0 ? holder : holder.slice(0, at);
}

/** A lock held and kept alive until released; `lost` once a renewal found it gone or taken. */
export interface Lease {
  readonly key: string;
  readonly holder: string;
  readonly lost: boolean;
  /** Stops renewing and deletes the lock if it is still this holder's. Never throws. */
  release(): Promise<void>;
}

/**
 * Leases in Redis that restrict how many scripts run at once, across every worker and host
 * sharing the Redis. A lease lasts `ttlMs` unless renewed, so the lock of a worker that died
 * is free again after at most `ttlMs`.
 */
export class ConcurrencyLock {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
    readonly ttlMs: number,
  ) {}

  /** The Redis key of a lock name; the queue prefix carries the Redis Cluster hash tag. */
  key(name: string): string {
    return `${this.prefix}:lock:${name}`;
  }

  /** Takes the lock if nobody holds it (`SET NX PX`). Does not renew it: see `lease`. */
  async acquire(key: string, holder: string, ttlMs = this.ttlMs): Promise<boolean> {
    return (await this.redis.set(key, holder, "PX", ttlMs, "NX")) === "OK";
  }

  /** Extends the lock by `ttlMs` if `holder` still holds it. */
  async renew(key: string, holder: string, ttlMs = this.ttlMs): Promise<boolean> {
    return Number(await this.redis.eval(RENEW, 1, key, holder, String(ttlMs))) === 1;
  }

  /** Deletes the lock if `holder` still holds it. */
  async release(key: string, holder: string): Promise<boolean> {
    return Number(await this.redis.eval(RELEASE, 1, key, holder)) === 1;
  }

  async holderOf(key: string): Promise<string | null> {
    return this.redis.get(key);
  }

  /**
   * Acquires the lock and renews it every ttl/3 until released; null when someone else holds
   * it. A renewal that finds the lock gone or taken stops renewing and calls `onLost`; a
   * renewal that fails (Redis unreachable) is tried again at the next tick.
   */
  async lease(key: string, holder: string, options: { onLost?: () => void } = {}): Promise<Lease | null> {
    if (!(await this.acquire(key, holder))) return null;
    let lost = false;
    let renewing: Promise<unknown> = Promise.resolve();
    const timer = setInterval(
      () => {
        renewing = this.renew(key, holder).then(
          (held) => {
            if (held || lost) return;
            lost = true;
            clearInterval(timer);
            options.onLost?.();
          },
          () => undefined,
        );
      },
      Math.max(1, Math.floor(this.ttlMs / 3)),
    );
    timer.unref();
    let released: Promise<void> | null = null;
    return {
      key,
      holder,
      get lost() {
        return lost;
      },
      release: () => {
        released ??= (async () => {
          clearInterval(timer);
          await renewing;
          // If this fails the lease still expires after ttlMs: nothing to undo.
          await this.release(key, holder).catch(() => undefined);
        })();
        return released;
      },
    };
  }
}
