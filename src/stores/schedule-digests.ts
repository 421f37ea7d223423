import { randomUUID } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import type { DigestRecorder, DigestRow, ScheduleRef } from "../schedules/schedule-types.js";

/** Rows kept per schedule per UTC day; past it the day's digest says how many more there were. */
export const DIGEST_ROWS_PER_DAY = 2_000;
/**
 * How long a day's rows stay after the day is over. A late row (a try that ended after
 * midnight) then re-renders the whole day, never a file with only itself; rows arriving later
 * still go to the day they arrive in.
 */
export const DIGEST_KEEP_MS = 3 * 24 * 60 * 60 * 1000;
// What one row may hold: a result or note longer than this is cut, and the counters' names share
// as many characters (the rest cut or left out), counters past COUNTERS are left out.
const TEXT_CHARS = 300;
/** How long one commit of a day's digest may hold it before another may start (a writer that died). */
export const DIGEST_WRITING_MS = 10 * 60 * 1000;
const COUNTERS = 20;
const DAY_MS = 24 * 60 * 60 * 1000;

/** One schedule's digest of one UTC day, as stored. */
export interface StoredDigest {
  ref: ScheduleRef;
  /** `yyyy-mm-dd` (UTC). */
  day: string;
  rows: DigestRow[];
  /** Rows refused past DIGEST_ROWS_PER_DAY (a row added twice past the cap may count twice). */
  dropped: number;
  /** Grows with every row added: a commit of this version covers every row up to it. */
  version: number;
}

/** A (schedule, day) whose rows are not all committed. */
export interface PendingDigest {
  schedulerId: string;
  day: string;
  /** When it is due (ms since the epoch): its day's end, or later once a commit of it failed. */
  dueMs: number;
}

// KEYS: rows, meta, pending. ARGV: field, row, cap, ref, member, day end ms, expire at (s).
// A row already there changes nothing (the same run recorded again); past the cap only the count grows.
const ADD = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  redis.call('HINCRBY', KEYS[2], 'dropped', 1)
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
redis.call('HSET', KEYS[2], 'ref', ARGV[4])
redis.call('HINCRBY', KEYS[2], 'version', 1)
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[5])
redis.call('EXPIREAT', KEYS[1], ARGV[7])
redis.call('EXPIREAT', KEYS[2], ARGV[7])
return 1`;

// KEYS: meta, pending. ARGV: version committed, member. Off the pending index only if nothing was added since.
const COMMITTED = `
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'committed', ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1`;

// KEYS: the day's own logs. ARGV: run id, most, expire at (s). The same run asking again gets the same answer.
const CLAIM_OWN_LOG = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIREAT', KEYS[1], ARGV[3])
return 1`;

// KEYS: the day's writer. ARGV: its token. Only the writer that took it lets it go.
const STOP_WRITING = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * The schedules' daily digests in Redis until they are committed: per schedule and UTC day a
 * hash of rows (one per run, or per occurrence that ran nothing) and one of facts (the
 * schedule, a version, how many rows the cap refused), and one sorted set of the (schedule,
 * day) pairs with rows not committed yet, by the day's end, for the flush. Bounded: at most
 * DIGEST_ROWS_PER_DAY rows a day, each cut to a few hundred characters, gone DIGEST_KEEP_MS
 * after their day.
 */
export class ScheduleDigests implements DigestRecorder {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  async add(ref: ScheduleRef, row: DigestRow): Promise<void> {
    const day = this.dayOf(row.occurrence);
    const endsMs = dayStartMs(day) + DAY_MS;
    const field = row.runId ?? `occurrence-${row.occurrence}`;
    const expireAt = Math.ceil((endsMs + DIGEST_KEEP_MS) / 1000);
    await this.redis.eval(
      ADD,
      3,
      this.rowsKey(ref.schedulerId, day),
      this.metaKey(ref.schedulerId, day),
      this.pendingKey,
      field,
      JSON.stringify(bounded(row)),
      String(DIGEST_ROWS_PER_DAY),
      JSON.stringify({ owner: ref.owner, repo: ref.repo, chore: ref.chore, schedulerId: ref.schedulerId }),
      member(ref.schedulerId, day),
      String(endsMs),
      String(expireAt),
    );
  }

  /** The (schedule, day) pairs with rows not committed yet that are due by `byMs` (their day ended), longest due first, at most `limit`. */
  async pending(byMs: number, limit: number): Promise<PendingDigest[]> {
    const found = await this.redis.zrangebyscore(this.pendingKey, "-inf", String(byMs), "WITHSCORES", "LIMIT", 0, limit);
    const out: PendingDigest[] = [];
    for (let i = 0; i < found.length; i += 2) {
      const [day, schedulerId] = [found[i]!.slice(0, 10), found[i]!.slice(11)];
      out.push({ schedulerId, day, dueMs: Number(found[i + 1]) });
    }
    return out;
  }

  /** The day's digest (every row kept, committed or not); null once it is gone. */
  async read(schedulerId: string, day: string): Promise<StoredDigest | null> {
    // One transaction: the version read covers exactly the rows read.
    const [[, meta], [, rows]] = (await this.redis.multi().hgetall(this.metaKey(schedulerId, day)).hvals(this.rowsKey(schedulerId, day)).exec()) as [
      [Error | null, Record<string, string>],
      [Error | null, string[]],
    ];
    if (meta.ref === undefined) return null;
    const parsed = rows.map((json) => JSON.parse(json) as DigestRow);
    parsed.sort((a, b) => a.occurrence.localeCompare(b.occurrence) || a.attempt - b.attempt || (a.runId ?? "").localeCompare(b.runId ?? ""));
    return { ref: JSON.parse(meta.ref) as ScheduleRef, day, rows: parsed, dropped: Number(meta.dropped ?? 0), version: Number(meta.version ?? 0) };
  }

  /** Records that `version` of the day is committed: off the pending index, unless rows came since (a later flush commits them). */
  async committed(schedulerId: string, day: string, version: number): Promise<boolean> {
    return (await this.redis.eval(COMMITTED, 2, this.metaKey(schedulerId, day), this.pendingKey, String(version), member(schedulerId, day))) === 1;
  }

  /**
   * Puts a pending day whose commit failed behind the others due by `ms`: a repository whose
   * commits keep failing cannot hold the flush's first places for ever.
   */
  async postpone(schedulerId: string, day: string, ms: number): Promise<void> {
    await this.redis.zadd(this.pendingKey, "XX", String(ms), member(schedulerId, day));
  }

  /**
   * Takes the day's digest for one commit; null when another commit of it is under way. Two at
   * once each render the rows they read: the older landing last would stay on the branch while
   * the newer, marked committed, took the day off the pending list. Call the answer once landed
   * and marked; it lapses after DIGEST_WRITING_MS anyway.
   */
  async startWriting(schedulerId: string, day: string): Promise<(() => Promise<void>) | null> {
    const key = this.writingKey(schedulerId, day);
    const token = randomUUID();
    if ((await this.redis.set(key, token, "PX", DIGEST_WRITING_MS, "NX")) !== "OK") return null;
    return async () => {
      await this.redis.eval(STOP_WRITING, 1, key, token);
    };
  }

  /** Forgets the day (its repository is gone, or its facts expired). */
  async drop(schedulerId: string, day: string): Promise<void> {
    await this.redis
      .multi()
      .del(this.rowsKey(schedulerId, day), this.metaKey(schedulerId, day), this.ownLogsKey(schedulerId, day))
      .zrem(this.pendingKey, member(schedulerId, day))
      .exec();
  }

  /**
   * Whether run `runId` may have a log of its own, committed at once: at most `most` runs of a
   * schedule per UTC day (`at`) may. The same run asking again (its cleanup retried) gets yes.
   */
  async claimOwnLog(schedulerId: string, at: string, runId: string, most: number): Promise<boolean> {
    const day = this.dayOf(at);
    const expireAt = Math.ceil((dayStartMs(day) + DAY_MS + DIGEST_KEEP_MS) / 1000);
    return (await this.redis.eval(CLAIM_OWN_LOG, 1, this.ownLogsKey(schedulerId, day), runId, String(most), String(expireAt))) === 1;
  }

  /** The UTC day a row of an occurrence at `iso` goes to: its own, or today's once its own is past keeping. */
  dayOf(iso: string): string {
    const ms = Date.parse(iso);
    const now = this.now();
    const own = Number.isNaN(ms) ? now : ms;
    return utcDay(own + DAY_MS + DIGEST_KEEP_MS <= now ? now : own);
  }

  private get pendingKey(): string {
    return `${this.prefix}:schedule-digests`;
  }

  private rowsKey(schedulerId: string, day: string): string {
    return `${this.prefix}:schedule-digest:${schedulerId}:${day}`;
  }

  private metaKey(schedulerId: string, day: string): string {
    return `${this.prefix}:schedule-digest-facts:${schedulerId}:${day}`;
  }

  private writingKey(schedulerId: string, day: string): string {
    return `${this.prefix}:schedule-digest-writing:${schedulerId}:${day}`;
  }

  private ownLogsKey(schedulerId: string, day: string): string {
    return `${this.prefix}:schedule-own-logs:${schedulerId}:${day}`;
  }
}

/** `yyyy-mm-dd` of a time, in UTC. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Midnight UTC starting a `yyyy-mm-dd` day. */
export function dayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

// The day first: it has a fixed length, so whatever follows it is the scheduler id.
function member(schedulerId: string, day: string): string {
  return `${day}|${schedulerId}`;
}

/** A row cut to what a digest shows: whoever adds one (a script's result, a reason) cannot make it unbounded. */
function bounded(row: DigestRow): DigestRow {
  const cut = (text: string | null) => (text !== null && text.length > TEXT_CHARS ? `${text.slice(0, TEXT_CHARS)}…` : text);
  // One budget for all the names, not one each: 20 names of 300 characters made every row 6 KB.
  let budget = TEXT_CHARS;
  const counters: Record<string, number> = {};
  for (const [name, n] of Object.entries(row.counters).slice(0, COUNTERS)) {
    if (budget <= 0) break;
    const shown = name.length > budget ? `${name.slice(0, budget)}…` : name;
    budget -= shown.length;
    counters[shown] = n;
  }
  return { ...row, result: cut(row.result), note: cut(row.note), counters };
}
