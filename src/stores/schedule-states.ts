import type { Cluster, Redis } from "ioredis";
import type { RunStatus } from "../run-types.js";
import type { OccurrenceStatus } from "../schedules/schedule-types.js";

/** What chorebot keeps about one schedule between its occurrences. */
export interface ScheduleState {
  /** Who paused it and when (ISO 8601); null while it runs on time. */
  paused: { by: string; at: string } | null;
  /** The run that holds the schedule's turn (overlap), or null. */
  running: string | null;
  /** The latest occurrence a trigger went on with (ms since the epoch), or null before the first. */
  lastOccurrenceMs: number | null;
  /** Whether the last run that ended for good failed: the schedule is in a failure streak. */
  failing: boolean;
  /** When a run of it last succeeded (ISO 8601), or null. */
  lastSuccessAt: string | null;
  /** How its last run that ended for good ended, and when; null before the first. */
  last: { runId: string; status: RunStatus; at: string } | null;
}

// Only ever moves forward: an older occurrence arriving late (a worker with a skewed clock, a
// trigger delivered again after a newer one) is refused; the same one again may go on, since
// what it queues is idempotent.
const CLAIM_OCCURRENCE = `
local last = tonumber(redis.call('HGET', KEYS[1], 'lastOccurrenceMs'))
local ms = tonumber(ARGV[1])
if last ~= nil and ms < last then return 0 end
redis.call('HSET', KEYS[1], 'lastOccurrenceMs', ARGV[1])
return 1`;

// The latest occurrence whose run was queued: only ever moves forward, like the claim.
const MARK_QUEUED = `
local queued = tonumber(redis.call('HGET', KEYS[1], 'queuedOccurrenceMs'))
if queued == nil or tonumber(ARGV[1]) > queued then redis.call('HSET', KEYS[1], 'queuedOccurrenceMs', ARGV[1]) end
return 1`;

// The turn, and since when it is held (Redis's clock: the workers' may differ).
const TAKE_TURN = `
if redis.call('HSETNX', KEYS[1], 'running', ARGV[1]) == 1 then
  local t = redis.call('TIME')
  redis.call('HSET', KEYS[1], 'runningSince', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
end
return redis.call('HGET', KEYS[1], 'running')`;

// The tries queued (run ids), the newest TRIES_KEPT, scored by when (Redis's clock).
const REMEMBER_TRY = `
redis.call('ZADD', KEYS[1], redis.call('TIME')[1], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[2]) - 1)
return 1`;
const TRIES_KEPT = 100;

const RELEASE_TURN = `
if redis.call('HGET', KEYS[1], 'running') == ARGV[1] then redis.call('HDEL', KEYS[1], 'running', 'runningSince') return 1 end
return 0`;

// Whether holder ARGV[1] (occurrence ARGV[2]) took the turn less than ARGV[3] ms ago and has not had its run queued.
const TURN_QUEUEING = `
if redis.call('HGET', KEYS[1], 'running') ~= ARGV[1] then return 0 end
local queued = tonumber(redis.call('HGET', KEYS[1], 'queuedOccurrenceMs'))
if queued ~= nil and tonumber(ARGV[2]) <= queued then return 0 end
local since = tonumber(redis.call('HGET', KEYS[1], 'runningSince'))
if since == nil then return 0 end
local t = redis.call('TIME')
if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - since < tonumber(ARGV[3]) then return 1 end
return 0`;

// The end of a run, once: a cleanup that runs again for the same run gets the answer the first
// one got, so it makes the same choice (commit or digest), even after newer ends (a failed
// cleanup retried from the dashboard days later). Each answer is kept in a sorted set of the
// schedule's newest ends, scored by when the run ended, twice, plus the answer. An end older
// than the newest recorded (seen for the first time, or past that set) answers from the
// streak as it is and changes nothing: the newer end has said how the schedule stands.
// KEYS: the schedule, its ends. ARGV: run, failing, status, at, score if it was not failing, if it was, ends kept, at (ms).
const RECORD_END = `
local seen = redis.call('ZSCORE', KEYS[2], ARGV[1])
if seen then return tostring(tonumber(seen) % 2) end
local was = redis.call('HGET', KEYS[1], 'failing') or '0'
redis.call('ZADD', KEYS[2], was == '1' and ARGV[6] or ARGV[5], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[7]) - 1)
local newest = tonumber(redis.call('HGET', KEYS[1], 'lastAtMs'))
if newest ~= nil and tonumber(ARGV[8]) < newest then return was end
redis.call('HSET', KEYS[1], 'lastEndRun', ARGV[1], 'failing', ARGV[2], 'lastStatus', ARGV[3], 'lastAt', ARGV[4], 'lastAtMs', ARGV[8])
if ARGV[3] == 'succeeded' then redis.call('HSET', KEYS[1], 'lastSuccessAt', ARGV[4]) end
return was`;
const ENDS_KEPT = 100;

// Counted once per key: the keys counted are kept in a sorted set trimmed to the newest COUNTED_KEEP.
const COUNT_ONCE = `
if redis.call('ZADD', KEYS[1], 'NX', redis.call('TIME')[1], ARGV[1]) == 0 then return 0 end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[3]) - 1)
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
return 1`;
const COUNTED_KEEP = 10_000;

/**
 * One Redis hash per schedule (`<prefix>:schedule:<scheduler id>`): pause, turn, streak and
 * the latest occurrence, and a sorted set of its newest ENDS_KEPT ends. Removed with the
 * schedule (a chore that loses its schedule, chorebot uninstalled), so it grows with the
 * number of scheduled chores only.
 */
export class ScheduleStates {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
  ) {}

  async read(schedulerId: string): Promise<ScheduleState> {
    const h = await this.redis.hgetall(this.key(schedulerId));
    return {
      paused: h.pausedBy !== undefined && h.pausedAt !== undefined ? { by: h.pausedBy, at: h.pausedAt } : null,
      running: h.running ?? null,
      lastOccurrenceMs: h.lastOccurrenceMs === undefined ? null : Number(h.lastOccurrenceMs),
      failing: h.failing === "1",
      lastSuccessAt: h.lastSuccessAt ?? null,
      last:
        h.lastEndRun !== undefined && h.lastStatus !== undefined && h.lastAt !== undefined
          ? { runId: h.lastEndRun, status: h.lastStatus as RunStatus, at: h.lastAt }
          : null,
    };
  }

  /** Pauses the schedule; false (and nothing changed) when it was already paused. */
  async pause(schedulerId: string, by: string, at: string): Promise<boolean> {
    const [[, set]] = (await this.redis.multi().hsetnx(this.key(schedulerId), "pausedBy", by).hsetnx(this.key(schedulerId), "pausedAt", at).exec()) as [
      [Error | null, number],
      [Error | null, number],
    ];
    return set === 1;
  }

  /** Resumes it; false when it was not paused. */
  async resume(schedulerId: string): Promise<boolean> {
    return (await this.redis.hdel(this.key(schedulerId), "pausedBy", "pausedAt")) > 0;
  }

  /** Whether the trigger of the occurrence at `ms` may go on: false for one older than the latest that did. */
  async claimOccurrence(schedulerId: string, ms: number): Promise<boolean> {
    return (await this.redis.eval(CLAIM_OCCURRENCE, 1, this.key(schedulerId), String(ms))) === 1;
  }

  /** Records that the occurrence at `ms` had its run queued (its trigger went on for good). */
  async markQueued(schedulerId: string, ms: number): Promise<void> {
    await this.redis.eval(MARK_QUEUED, 1, this.key(schedulerId), String(ms));
  }

  /**
   * Whether the occurrence at `ms` had its run queued already. Its run's jobs may be gone since
   * (ended and cleaned, or retention): only this says a trigger delivered again must not queue it anew.
   */
  async wasQueued(schedulerId: string, ms: number): Promise<boolean> {
    return (await this.redis.hget(this.key(schedulerId), "queuedOccurrenceMs")) === String(ms);
  }

  /** Records that try `runId` of the schedule was queued (kept among its newest TRIES_KEPT). */
  async rememberTry(schedulerId: string, runId: string): Promise<void> {
    await this.redis.eval(REMEMBER_TRY, 1, this.triesKey(schedulerId), runId, String(TRIES_KEPT));
  }

  /** Whether try `runId` was queued, even if its jobs are gone from Redis since (ended, swept by retention). */
  async triedAlready(schedulerId: string, runId: string): Promise<boolean> {
    return (await this.redis.zscore(this.triesKey(schedulerId), runId)) !== null;
  }

  /** Gives the schedule's turn to `runId` if nobody holds it; answers who holds it now. */
  async takeTurn(schedulerId: string, runId: string): Promise<string> {
    return (await this.redis.eval(TAKE_TURN, 1, this.key(schedulerId), runId)) as string;
  }

  /**
   * Whether `holder` (the first run of the occurrence at `occurrenceMs`) took the turn less than
   * `withinMs` ago and its run is not queued yet: its trigger is still queueing it (or was
   * killed doing so and is tried again), so its run's absence from Redis does not make it stale.
   */
  async turnQueueing(schedulerId: string, holder: string, occurrenceMs: number, withinMs: number): Promise<boolean> {
    return (await this.redis.eval(TURN_QUEUEING, 1, this.key(schedulerId), holder, String(occurrenceMs), String(withinMs))) === 1;
  }

  /** Frees the turn if `runId` holds it (a later holder keeps it). */
  async releaseTurn(schedulerId: string, runId: string): Promise<void> {
    await this.redis.eval(RELEASE_TURN, 1, this.key(schedulerId), runId);
  }

  /**
   * Records how a run ended for good (its last try, or a success): `failing` is whether the
   * schedule is now in a failure streak. Answers whether it was in one before this run, the
   * same answer for the same run however often it is asked.
   */
  async recordEnd(schedulerId: string, end: { runId: string; status: RunStatus; at: string; failing: boolean }): Promise<{ wasFailing: boolean }> {
    // A time that does not parse (never written by chorebot) counts as now, not as a Redis error on every retry.
    const parsed = Date.parse(end.at);
    const ms = Number.isNaN(parsed) ? Date.now() : parsed;
    const was = await this.redis.eval(
      RECORD_END,
      2,
      this.key(schedulerId),
      this.endsKey(schedulerId),
      end.runId,
      end.failing ? "1" : "0",
      end.status,
      end.at,
      String(ms * 2),
      String(ms * 2 + 1),
      String(ENDS_KEPT),
      String(ms),
    );
    return { wasFailing: was === "1" };
  }

  /** Counts one end of an occurrence or try, once per `once` key (a run id, or an occurrence's for one that ran nothing), for /metrics. */
  async countEnd(once: string, status: OccurrenceStatus): Promise<void> {
    await this.redis.eval(COUNT_ONCE, 2, `${this.prefix}:schedule-counted`, `${this.prefix}:schedule-runs-total`, once, status, String(COUNTED_KEEP));
  }

  /** How many occurrences and tries ended with each status, across every schedule, since Redis was new. */
  async runCounts(): Promise<Partial<Record<OccurrenceStatus, number>>> {
    const counts = await this.redis.hgetall(`${this.prefix}:schedule-runs-total`);
    return Object.fromEntries(Object.entries(counts).map(([status, n]) => [status, Number(n)]));
  }

  /** Everything kept of the schedule (it was removed). */
  async forget(schedulerId: string): Promise<void> {
    await this.redis.del(this.key(schedulerId), this.endsKey(schedulerId), this.triesKey(schedulerId));
  }

  private key(schedulerId: string): string {
    return `${this.prefix}:schedule:${schedulerId}`;
  }

  private triesKey(schedulerId: string): string {
    return `${this.prefix}:schedule-tries:${schedulerId}`;
  }

  private endsKey(schedulerId: string): string {
    return `${this.prefix}:schedule-ends:${schedulerId}`;
  }
}
