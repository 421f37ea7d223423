import type { Cluster, Redis } from "ioredis";

/** A run's name: what a person or a system calls it (`nightly-backfill-2026-12-06`), unique in its repository. */
export const RUN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** How a name that is not valid is refused. */
export const RUN_NAME_RULE = "a run's name is 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit";

/** RUN_NAME_TTL's default: a name stays taken an hour after its run ends. */
export const DEFAULT_RUN_NAME_TTL_MS = 60 * 60 * 1000;

/**
 * How long a name stays taken while its run has not ended: past the longest a run waits for
 * its turn and runs. A run that never reaches cleanup (its jobs removed by hand) frees its
 * name after this, so the key is bounded whatever happens.
 */
export const ACTIVE_NAME_HOLD_MS = 7 * 24 * 60 * 60 * 1000;

export interface NamedRepo {
  owner: string;
  repo: string;
}

/** A claim's outcome: the name is this run's (claimed now or by the same run before), or another run's. */
export type NameClaim = { taken: false } | { taken: true; runId: string };

// Takes the name unless another run has it. The same run claiming again (a retried request)
// is not refused and keeps the hold it has: once its run ended, only RUN_NAME_TTL is left.
const CLAIM = `
local held = redis.call("get", KEYS[1])
if held == ARGV[1] then return false end
if held then return held end
redis.call("set", KEYS[1], ARGV[1], "px", ARGV[2])
return false
`;

// Shortens the hold only if the name is still this run's: a later run's claim is left alone.
const IF_HELD_EXPIRE = `
if redis.call("get", KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == "0" then return redis.call("del", KEYS[1]) end
return redis.call("pexpire", KEYS[1], ARGV[2])
`;

/**
 * Unique run names, per repository, across every web process and worker sharing the Redis:
 * one key per (repository, name) holding the run's id. A name is taken when its run is
 * queued, held while it waits and runs (ACTIVE_NAME_HOLD_MS at most), and kept for `ttlMs`
 * (RUN_NAME_TTL) after the run ends, so a second start with the same name is refused with
 * the first run's id and `GET /api/runs?name=` finds it; then it expires.
 */
export class RunNames {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes `name` in `repo` for `runId`, or says which run has it. */
  async claim(repo: NamedRepo, name: string, runId: string): Promise<NameClaim> {
    // Callers check names first (startChore, the chores page); one that does not must not make keys of any size.
    if (!RUN_NAME.test(name)) throw new Error(`not a run name: ${RUN_NAME_RULE}`);
    const held = (await this.redis.eval(CLAIM, 1, this.key(repo, name), runId, ACTIVE_NAME_HOLD_MS)) as string | null;
    return held === null ? { taken: false } : { taken: true, runId: held };
  }

  /** Frees `name` if `runId` still holds it: its run could not be queued after all. */
  async release(repo: NamedRepo, name: string, runId: string): Promise<void> {
    await this.redis.eval(IF_HELD_EXPIRE, 1, this.key(repo, name), runId, 0);
  }

  /** The run ended: its name stays taken for RUN_NAME_TTL from now, then is free again. */
  async ended(repo: NamedRepo, name: string, runId: string): Promise<void> {
    await this.redis.eval(IF_HELD_EXPIRE, 1, this.key(repo, name), runId, Math.max(1, this.ttlMs));
  }

  /** The run that has `name` in `repo`, or null. */
  async find(repo: NamedRepo, name: string): Promise<string | null> {
    // No run can hold a name that is not one: nothing to ask Redis (a lookup may come straight from a request).
    if (!RUN_NAME.test(name)) return null;
    return this.redis.get(this.key(repo, name));
  }

  /** Names are case-insensitive, as people type them; each part encoded, so no two repositories share a key. */
  private key(repo: NamedRepo, name: string): string {
    return `${this.prefix}:run-name:${[repo.owner, repo.repo, name].map((part) => encodeURIComponent(part.toLowerCase())).join(":")}`;
  }
}
