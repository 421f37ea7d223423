import type { Cluster, Redis } from "ioredis";
import type { ScriptTarget } from "../run-types.js";

/** A freeze in force: no new run starts in its scope (`repo`, or everywhere when null) until it is lifted. */
export interface Freeze {
  /** `owner/name` in lower case (GitHub's names are case-insensitive), or null: every repository. */
  repo: string | null;
  /** Who froze it. */
  by: string;
  /** When (ISO 8601). */
  at: string;
  reason: string;
}

/** One line of the freeze history: a freeze set (or replaced) or lifted, by whom, when and why (an unfreeze's reason may be empty). */
export interface FreezeEvent {
  action: "freeze" | "unfreeze";
  repo: string | null;
  by: string;
  at: string;
  reason: string;
}

/** What freezing a scope did: set a freeze, or replaced the one in force (`replaced`). */
export interface FreezeAnswer {
  freeze: Freeze;
  replaced: Freeze | null;
}

export const MAX_REASON_CHARS = 500;
/** Scopes frozen at once: every repository's own freeze plus the global one. Past it, freeze everything instead. */
export const MAX_FREEZES = 100;
/** Events kept in the history, newest first. */
export const HISTORY_LENGTH = 50;

// The hash field of the freeze of every repository: never a repository name (those have a `/`).
const EVERYWHERE = "*";
// GitHub's rules: an owner is 1-39 letters, digits and single hyphens, not at either end; a
// repository name is 1-100 of letters, digits, `.`, `_` and `-`, but not `.` or `..`.
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

// Sets the freeze of a scope and logs it, atomically; refuses a new scope past the cap.
// Returns the freeze it replaced ("" when none), or false when refused.
const FREEZE = `
local old = redis.call("HGET", KEYS[1], ARGV[1])
if not old and redis.call("HLEN", KEYS[1]) >= tonumber(ARGV[4]) then return false end
redis.call("HSET", KEYS[1], ARGV[1], ARGV[2])
redis.call("LPUSH", KEYS[2], ARGV[3])
redis.call("LTRIM", KEYS[2], 0, tonumber(ARGV[5]) - 1)
return old or ""`;
// Lifts the freeze of a scope and logs it, atomically. Returns the freeze lifted, or false when there was none.
const UNFREEZE = `
local old = redis.call("HGET", KEYS[1], ARGV[1])
if not old then return false end
redis.call("HDEL", KEYS[1], ARGV[1])
redis.call("LPUSH", KEYS[2], ARGV[2])
redis.call("LTRIM", KEYS[2], 0, tonumber(ARGV[3]) - 1)
return old`;

/** A freeze asked for past MAX_FREEZES scopes. */
export class TooManyFreezes extends Error {}

/**
 * Freezes kept in Redis beside the jobs: `<prefix>:freezes`, one hash field per scope (`*`
 * for every repository, else `owner/name`) holding the freeze as JSON, and
 * `<prefix>:freeze-history`, a list of the last HISTORY_LENGTH freezes and unfreezes. Both
 * stay until a person changes them: retention never removes them, and the queue prefix's hash
 * tag keeps them in the jobs' slot on a Redis Cluster.
 *
 * The execute step asks `frozenFor` before every script starts: one HMGET of two fields,
 * however many freezes there are. `redis` is the caller's and stays open.
 */
export class Freezes {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
  ) {}

  /** Freezes `repo` (null: every repository) for `reason`; a scope already frozen gets the new reason and who. */
  async freeze(o: { repo: string | null; by: string; reason: string }): Promise<FreezeAnswer> {
    const freeze: Freeze = { repo: o.repo, by: o.by, at: new Date().toISOString(), reason: o.reason };
    const event: FreezeEvent = { action: "freeze", ...freeze };
    const old = (await this.redis.eval(
      FREEZE,
      2,
      this.#key(),
      this.#historyKey(),
      fieldOf(o.repo),
      JSON.stringify(freeze),
      JSON.stringify(event),
      MAX_FREEZES,
      HISTORY_LENGTH,
    )) as string | null;
    if (old === null) throw new TooManyFreezes(`${MAX_FREEZES} scopes are frozen already; unfreeze some, or freeze every repository`);
    return { freeze, replaced: parseFreeze(old) };
  }

  /** Lifts the freeze of `repo` (null: the freeze of every repository, not those of single ones); null when it was not frozen. */
  async unfreeze(o: { repo: string | null; by: string; reason: string }): Promise<Freeze | null> {
    const event: FreezeEvent = { action: "unfreeze", repo: o.repo, by: o.by, at: new Date().toISOString(), reason: o.reason };
    const old = (await this.redis.eval(UNFREEZE, 2, this.#key(), this.#historyKey(), fieldOf(o.repo), JSON.stringify(event), HISTORY_LENGTH)) as string | null;
    return parseFreeze(old);
  }

  /** The freeze that keeps a run of `target`'s repository from starting (the global one first), or null. */
  async frozenFor(target: Pick<ScriptTarget, "owner" | "repo">): Promise<Freeze | null> {
    const [everywhere, repo] = await this.redis.hmget(this.#key(), EVERYWHERE, repoScope(target));
    return parseFreeze(everywhere ?? null) ?? parseFreeze(repo ?? null);
  }

  /** The freezes in force, the global one first, then by repository. */
  async list(): Promise<Freeze[]> {
    const freezes = Object.values(await this.redis.hgetall(this.#key()))
      .map((text) => parseFreeze(text))
      .filter((freeze): freeze is Freeze => freeze !== null);
    return freezes.sort((a, b) => (a.repo === null ? -1 : b.repo === null ? 1 : a.repo.localeCompare(b.repo)));
  }

  /** The last freezes and unfreezes, newest first. */
  async history(): Promise<FreezeEvent[]> {
    const lines = await this.redis.lrange(this.#historyKey(), 0, HISTORY_LENGTH - 1);
    return lines.map((line) => parseEvent(line)).filter((event): event is FreezeEvent => event !== null);
  }

  #key(): string {
    return freezesKey(this.prefix);
  }

  #historyKey(): string {
    return `${this.prefix}:freeze-history`;
  }
}

/** Where the freezes in force are kept. */
export function freezesKey(prefix: string): string {
  return `${prefix}:freezes`;
}

/** The scope of a run's repository: `owner/name` in lower case. */
export function repoScope(target: Pick<ScriptTarget, "owner" | "repo">): string {
  return `${target.owner}/${target.repo}`.toLowerCase();
}

/** `owner/name` as GitHub allows it, in lower case; null for anything else (a bare name, `*`, a path, a URL). */
export function parseRepo(text: string): string | null {
  const parts = text.trim().split("/");
  if (parts.length !== 2) return null;
  const [owner, name] = parts as [string, string];
  if (!OWNER.test(owner) || !NAME.test(name) || name === "." || name === "..") return null;
  return `${owner}/${name}`.toLowerCase();
}

/**
 * A reason fit for one line (the run's waiting reason, a log line): control characters and
 * line breaks become spaces, whitespace collapsed. Returns the reason, or why it is refused
 * (empty, or over MAX_REASON_CHARS characters once cleaned).
 */
export function cleanReason(text: string): { reason: string } | { error: string } {
  const reason = text
    .normalize("NFC")
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (reason === "") return { error: "reason is empty" };
  const length = Array.from(reason).length;
  if (length > MAX_REASON_CHARS) return { error: `reason is ${length} characters; at most ${MAX_REASON_CHARS}` };
  return { reason };
}

/** Why a run waits while `freeze` is in force: the run's waiting reason. */
export function frozenReason(freeze: Freeze): string {
  return `frozen by ${freeze.by} since ${freeze.at.replace(/\.\d+Z$/, "Z")}: ${freeze.reason}`;
}

/** The scope's name for people: the repository, or `every repository`. */
export function scopeName(repo: string | null): string {
  return repo ?? "every repository";
}

function fieldOf(repo: string | null): string {
  return repo ?? EVERYWHERE;
}

function parseFreeze(text: string | null): Freeze | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<Freeze>;
    if (typeof value.by !== "string" || typeof value.at !== "string" || typeof value.reason !== "string") return null;
    return { repo: typeof value.repo === "string" ? value.repo : null, by: value.by, at: value.at, reason: value.reason };
  } catch {
    return null;
  }
}

function parseEvent(text: string): FreezeEvent | null {
  const freeze = parseFreeze(text);
  if (freeze === null) return null;
  const { action } = JSON.parse(text) as { action?: unknown };
  return action === "freeze" || action === "unfreeze" ? { action, ...freeze } : null;
}

/** Whether a run's waiting reason is a freeze's (as frozenReason words it), rather than a lock's. */
export function isFrozenReason(reason: string | undefined): boolean {
  return reason?.startsWith("frozen by ") ?? false;
}
